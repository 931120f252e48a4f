// Reads an example catalog from disk the way the catalog does (a Location's
// targets resolve relative to the file), so the tests can compute what the
// server must return: entity refs, counts, relations.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

// Relation-producing spec fields per kind (Backstage BuiltinKindsEntityProcessor):
// [field, forward type, reverse type, default kind of a ref without one].
const RELATION_FIELDS = {
  Component: [
    ['owner', 'ownedBy', 'ownerOf', 'group'],
    ['system', 'partOf', 'hasPart', 'system'],
    ['subcomponentOf', 'partOf', 'hasPart', 'component'],
    ['providesApis', 'providesApi', 'apiProvidedBy', 'api'],
    ['consumesApis', 'consumesApi', 'apiConsumedBy', 'api'],
    ['dependsOn', 'dependsOn', 'dependencyOf', undefined],
    ['dependencyOf', 'dependencyOf', 'dependsOn', undefined],
  ],
  API: [
    ['owner', 'ownedBy', 'ownerOf', 'group'],
    ['system', 'partOf', 'hasPart', 'system'],
  ],
  Resource: [
    ['owner', 'ownedBy', 'ownerOf', 'group'],
    ['system', 'partOf', 'hasPart', 'system'],
    ['dependsOn', 'dependsOn', 'dependencyOf', undefined],
    ['dependencyOf', 'dependencyOf', 'dependsOn', undefined],
  ],
  System: [
    ['owner', 'ownedBy', 'ownerOf', 'group'],
    ['domain', 'partOf', 'hasPart', 'domain'],
  ],
  Domain: [
    ['owner', 'ownedBy', 'ownerOf', 'group'],
    ['subdomainOf', 'partOf', 'hasPart', 'domain'],
  ],
  Group: [
    ['parent', 'childOf', 'parentOf', 'group'],
    ['children', 'parentOf', 'childOf', 'group'],
    ['members', 'hasMember', 'memberOf', 'user'],
  ],
  User: [['memberOf', 'memberOf', 'hasMember', 'group']],
  Template: [['owner', 'ownedBy', 'ownerOf', 'group']],
};

/** refOf returns the canonical, lower-cased ref of an entity. */
export function refOf(e) {
  const ns = e.metadata.namespace ?? 'default';
  return `${e.kind}:${ns}/${e.metadata.name}`.toLowerCase();
}

/** parseRef resolves a spec reference with the field's defaults (§3.5). */
export function parseRef(ref, defaultKind, defaultNamespace) {
  let kind = defaultKind;
  let namespace = defaultNamespace;
  let rest = ref;
  const colon = rest.indexOf(':');
  const slash = rest.indexOf('/');
  if (colon !== -1 && (slash === -1 || colon < slash)) {
    kind = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const slash2 = rest.indexOf('/');
  if (slash2 !== -1) {
    namespace = rest.slice(0, slash2);
    rest = rest.slice(slash2 + 1);
  }
  if (!kind) throw new Error(`ref ${ref} has no kind and the field has no default`);
  return `${kind}:${namespace}/${rest}`.toLowerCase();
}

/**
 * loadExample reads root (a YAML file, usually catalog/all.yaml) and every
 * file its Location entities point at. It returns the entities in file order.
 */
export function loadExample(root) {
  const entities = [];
  const visit = (file) => {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const e = doc.toJS();
      if (!e) continue;
      e.metadata.namespace ??= 'default';
      entities.push(e);
      if (e.kind === 'Location' && (e.spec.type ?? 'file') === 'file') {
        for (const t of [e.spec.target, ...(e.spec.targets ?? [])].filter(Boolean)) {
          visit(path.resolve(path.dirname(file), t));
        }
      }
    }
  };
  visit(path.resolve(root));
  return entities;
}

/**
 * expectedRelations computes, for every entity, the sorted, de-duplicated
 * relations the stitched entity must carry: its own forward relations plus
 * the reverse relations that other entities point at it.
 */
export function expectedRelations(entities) {
  const out = new Map(entities.map((e) => [refOf(e), new Set()]));
  const add = (source, type, target) => {
    if (!out.has(source)) out.set(source, new Set());
    out.get(source).add(`${type}\u0000${target}`);
  };
  for (const e of entities) {
    const self = refOf(e);
    for (const [field, fwd, rev, defaultKind] of RELATION_FIELDS[e.kind] ?? []) {
      for (const raw of [e.spec?.[field]].flat().filter(Boolean)) {
        const target = parseRef(raw, defaultKind, e.metadata.namespace);
        add(self, fwd, target);
        add(target, rev, self);
      }
    }
  }
  const result = new Map();
  for (const [ref, set] of out) {
    result.set(
      ref,
      [...set]
        .map((s) => {
          const [type, targetRef] = s.split('\u0000');
          return { type, targetRef };
        })
        .sort((a, b) => (a.type === b.type ? cmp(a.targetRef, b.targetRef) : cmp(a.type, b.type))),
    );
  }
  return result;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** countBy counts entities by a key function. */
export function countBy(entities, fn) {
  const counts = {};
  for (const e of entities) {
    for (const k of [fn(e)].flat().filter((v) => v !== undefined)) counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
