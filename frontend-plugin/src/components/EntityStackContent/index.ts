export { EntityStackContent } from './EntityStackContent';
