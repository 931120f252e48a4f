import { createExternalRouteRef, createRouteRef } from '@backstage/core-plugin-api';

/** The fleet page, StacksFleetPage (mounted at e.g. /stacks). */
export const rootRouteRef = createRouteRef({ id: 'stacks' });

/**
 * The scaffolder's task page, where an upgrade task is followed. Bind it to
 * scaffolderPlugin.routes.ongoingTask; unbound, links go to
 * /create/tasks/:taskId, where the stock app mounts the scaffolder.
 */
export const scaffolderTaskRouteRef = createExternalRouteRef({
  id: 'stacks-scaffolder-task',
  params: ['taskId'],
  optional: true,
});
