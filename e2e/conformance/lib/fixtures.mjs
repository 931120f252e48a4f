// YAML documents the conformance tests serve from the local fixture server
// and register as `url` locations. Owners point at groups of the example
// catalog, so Stackyard's owner policy accepts them.

/** Paths on the fixture server. */
export const REGISTERED = '/repo/catalog-info.yaml';
export const REGISTERED_MOVED = '/repo-moved/catalog-info.yaml';
export const DRY_ROOT = '/dry/catalog-info.yaml';
export const DRY_CHILD = '/dry/child.yaml';

/** REGISTERED_REF is the entity that REGISTERED declares. */
export const REGISTERED_REF = 'component:default/conformance-registered';

/** registeredYaml renders the registered component with a description. */
export function registeredYaml(description) {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: conformance-registered
  description: ${description}
spec:
  type: service
  lifecycle: experimental
  owner: team-search
  system: search
`;
}

const dryRoot = `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: dry-run-nested
spec:
  type: url
  targets:
    - ./child.yaml
`;

const dryChild = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: dry-run-child
spec:
  type: service
  lifecycle: experimental
  owner: platform
`;

/** install puts the fixture files on a fixture server. */
export function install(server) {
  server.files.set(REGISTERED, registeredYaml('registered through the locations API'));
  server.files.set(REGISTERED_MOVED, registeredYaml('moved'));
  server.files.set(DRY_ROOT, dryRoot);
  server.files.set(DRY_CHILD, dryChild);
}

/** validComponent returns a fresh entity that passes validation. */
export function validComponent() {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'validate-me', tags: ['go'] },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-search' },
  };
}
