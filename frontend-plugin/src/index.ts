/**
 * Stackyard's Backstage frontend plugin: stacks on the entity page, upgrade
 * plans with blame, upgrades, and the fleet view.
 *
 * @packageDocumentation
 */
export { stacksPlugin, EntityStackContent, StacksFleetPage } from './plugin';
export { isStackAvailable, getStackRef, templateName, STACK_ANNOTATION } from './annotations';
export { StacksClient, StacksApiError, stacksApiRef } from './api/StacksClient';
export type { StacksApi } from './api/StacksClient';
export * from './api/types';
