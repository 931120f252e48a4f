import { Entity } from '@backstage/catalog-model';

/** The annotation Stackyard puts on a stack's entities: NAMESPACE/NAME of the stack. */
export const STACK_ANNOTATION = 'stackyard.dev/stack';

/** Whether an entity belongs to a stack; for EntityLayout.Route's `if`. */
export function isStackAvailable(entity: Entity): boolean {
  return Boolean(entity?.metadata?.annotations?.[STACK_ANNOTATION]?.trim());
}

/**
 * The stack an entity belongs to, from its stackyard.dev/stack annotation
 * ("NAMESPACE/NAME", or "NAME" in the default namespace); undefined
 * without one.
 */
export function getStackRef(entity: Entity): { namespace: string; name: string } | undefined {
  const value = entity?.metadata?.annotations?.[STACK_ANNOTATION]?.trim();
  if (!value) return undefined;
  const i = value.indexOf('/');
  if (i < 0) return { namespace: 'default', name: value };
  return { namespace: value.slice(0, i) || 'default', name: value.slice(i + 1) };
}

/** The name of a template from its ref: template:default/web-service -> web-service. */
export function templateName(ref: string): string {
  return ref.replace(/^[^:]*:/, '').replace(/^[^/]*\//, '');
}
