export { StacksFleetPage } from './StacksFleetPage';
