import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { StacksClient, stacksApiRef } from './api/StacksClient';
import { rootRouteRef, scaffolderTaskRouteRef } from './routes';

/** Stackyard's stacks plugin (pluginId "stacks"). */
export const stacksPlugin = createPlugin({
  id: 'stacks',
  apis: [
    createApiFactory({
      api: stacksApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new StacksClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
  },
  externalRoutes: {
    scaffolderTask: scaffolderTaskRouteRef,
  },
});

/**
 * The stack of the current entity (annotation stackyard.dev/stack): its
 * template, version, owner, repository and history, and its upgrade plan.
 * Use it as an EntityLayout tab with `if={isStackAvailable}`.
 */
export const EntityStackContent = stacksPlugin.provide(
  createComponentExtension({
    name: 'EntityStackContent',
    component: {
      lazy: () => import('./components/EntityStackContent').then(m => m.EntityStackContent),
    },
  }),
);

/** Every stack template, and the fleet of one grouped by upgrade status. */
export const StacksFleetPage = stacksPlugin.provide(
  createRoutableExtension({
    name: 'StacksFleetPage',
    component: () => import('./components/StacksFleetPage').then(m => m.StacksFleetPage),
    mountPoint: rootRouteRef,
  }),
);
