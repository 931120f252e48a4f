// The exchanges peer-diff.test.mjs sends to both backends, in order. A step
// is {name, method?, path, body?, rawBody?, contentType?, compare?, save?,
// until?}; path and body may be functions of the side's ctx, which save
// fills from earlier answers (cursors, ids and uids differ per side).
// compare: {unordered: 'body'|'body.items', orderKey, only} (see comparable).
// deliberate: {why, peer, stackyard} marks an intended difference; each side
// must answer as described ({status, error?, message?}).
// until: a predicate on one side's raw answer; that side is polled (up to 60 s)
// until it holds, because processing is asynchronous.

import crypto from 'node:crypto';

const C = '/api/catalog';
const byName = (e) => e.metadata?.name;
const errorNames = (body) => ({ errors: body?.errors?.map((e) => e.name) });
const hasRelation = (entity, type, targetRef) => entity?.relations?.some((r) => r.type === type && r.targetRef === targetRef);
// The rest of these messages is the text of a JavaScript JSON.parse error.
const messagePrefix = (prefix) => (body) => {
  const message = body?.error?.message;
  if (typeof message !== 'string' || !message.startsWith(prefix)) return body;
  return { ...body, error: { ...body.error, message: `${prefix}…` } };
};
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
// An ordered page whose ties and nulls are broken by uid, which differs per
// side: compare the sort values, the count and which cursors there are.
const sortValues = (pick) => (body) => ({
  values: body?.items?.map(pick), totalItems: body?.totalItems, pageInfo: Object.keys(body?.pageInfo ?? {}).sort(),
});
const specType = sortValues((e) => e.spec?.type ?? null);

const entities = [
  { name: 'GET /entities (all, unpaged)', path: `${C}/entities`, compare: { unordered: 'body' } },
  { name: 'GET /entities filter and fields', path: `${C}/entities?filter=kind=component,spec.lifecycle=production&fields=kind,metadata.name,spec.owner`, compare: { unordered: 'body' } },
  { name: 'GET /entities repeated key ORs, sets OR', path: `${C}/entities?filter=kind=user,kind=group&filter=kind=domain&fields=kind,metadata.name`, compare: { unordered: 'body' } },
  { name: 'GET /entities tag existence', path: `${C}/entities?filter=metadata.tags.go&fields=metadata.name` },
  { name: 'GET /entities tag value, upper-case kind', path: `${C}/entities?filter=KIND=COMPONENT,metadata.tags=react&fields=metadata.name` },
  { name: 'GET /entities relation filter', path: `${C}/entities?filter=relations.ownedBy=group:default/team-payments&fields=kind,metadata.name`, compare: { unordered: 'body' } },
  { name: 'GET /entities annotation filter', path: `${C}/entities?filter=metadata.annotations.backstage.io/techdocs-ref=dir:.&fields=metadata.name` },
  { name: 'GET /entities no match', path: `${C}/entities?filter=kind=nothing` },
  { name: 'GET /entities order desc, limit, offset', path: `${C}/entities?order=desc:metadata.name&limit=2&offset=1&fields=metadata.name`, save: saveLink },
  { name: 'GET /entities follow link rel=next', path: (ctx) => `${C}${ctx.link}` },
  { name: 'GET /entities limit only (ref order)', path: `${C}/entities?limit=3&fields=kind,metadata.name`, save: saveLink },
  { name: 'GET /entities limit only, next page', path: (ctx) => `${C}${ctx.link}` },
  { name: 'GET /entities two orders', path: `${C}/entities?order=asc:kind&order=desc:metadata.name&limit=50&fields=kind,metadata.name` },
  { name: 'GET /entities array field is 400', path: `${C}/entities?fields=metadata.tags[0]` },
  { name: 'GET /entities unknown query parameter is 400', path: `${C}/entities?foo=bar` },
  { name: 'GET /entities order without direction is 400', path: `${C}/entities?order=metadata.name` },
  { name: 'GET /entities limit=0 is 400', path: `${C}/entities?limit=0` },
  { name: 'GET /entities limit=abc is 400', path: `${C}/entities?limit=abc` },
  { name: 'GET /entities empty filter is 400', path: `${C}/entities?filter=` },
  { name: 'GET /entities bad after is 400', path: `${C}/entities?after=!!notbase64` },
];

const byQuery = [
  { name: 'by-query limit 0 counts', path: `${C}/entities/by-query?limit=0&filter=kind=component` },
  { name: 'by-query ordered page 1', path: `${C}/entities/by-query?limit=3&orderField=metadata.name,asc&fields=kind,metadata.name`, save: saveCursors },
  { name: 'by-query ordered page 2 (nextCursor)', path: (ctx) => `${C}/entities/by-query?limit=3&fields=kind,metadata.name&cursor=${encodeURIComponent(ctx.next)}`, save: saveCursors },
  { name: 'by-query ordered page 1 again (prevCursor)', path: (ctx) => `${C}/entities/by-query?limit=3&fields=kind,metadata.name&cursor=${encodeURIComponent(ctx.prev)}` },
  { name: 'by-query cursor ignores filter', path: (ctx) => `${C}/entities/by-query?limit=3&fields=kind,metadata.name&filter=kind=user&cursor=${encodeURIComponent(ctx.next)}` },
  { name: 'by-query filter, orderField, fields', path: `${C}/entities/by-query?filter=kind=component&orderField=metadata.name,asc&fields=metadata.name,spec.type,spec.owner&limit=100` },
  { name: 'by-query orderField desc on a spec field', path: `${C}/entities/by-query?orderField=spec.type,desc&fields=kind,metadata.name,spec.type&limit=100`, compare: { unordered: 'body.items', orderKey: (e) => e.spec?.type ?? null } },
  { name: 'by-query orderField without direction is ascending', path: `${C}/entities/by-query?orderField=metadata.name&limit=3&fields=metadata.name` },
  { name: 'by-query orderField keeps entities without the field, nulls last', path: `${C}/entities/by-query?orderField=spec.type,asc&fields=kind,metadata.name,spec.type&limit=100`, compare: { unordered: 'body.items', orderKey: (e) => e.spec?.type ?? null } },
  { name: 'by-query first page reaching the nulls', path: `${C}/entities/by-query?orderField=spec.type,desc&fields=spec.type&limit=13`, save: saveCursors, compare: { only: specType } },
  { name: 'by-query cursor on a null matches nothing', path: (ctx) => `${C}/entities/by-query?cursor=${encodeURIComponent(ctx.next)}` },
  { name: 'by-query pages by value', path: `${C}/entities/by-query?orderField=spec.type,desc&fields=spec.type&limit=5`, save: saveCursors, compare: { only: specType } },
  { name: 'by-query pages by value, page 2', path: (ctx) => `${C}/entities/by-query?cursor=${encodeURIComponent(ctx.next)}&limit=5&fields=spec.type`, save: saveCursors, compare: { only: specType } },
  { name: 'by-query a value cursor never reaches the nulls', path: (ctx) => `${C}/entities/by-query?cursor=${encodeURIComponent(ctx.next)}&limit=5&fields=spec.type`, compare: { only: specType } },
  { name: 'by-query orderField is not lower-cased', path: `${C}/entities/by-query?orderField=Metadata.Name,asc&fields=kind,metadata.name&limit=100`, compare: { unordered: 'body.items' } },
  { name: 'by-query multi-valued orderField, one item per value', path: `${C}/entities/by-query?orderField=metadata.tags,asc&fields=metadata.name,metadata.tags&limit=100`, compare: { only: (body) => ({ first: body?.items?.slice(0, 6), count: body?.items?.length, totalItems: body?.totalItems }) } },
  { name: 'by-query full text on the order field matches its values', path: `${C}/entities/by-query?orderField=metadata.tags,asc&fullTextFilterTerm=e&fields=metadata.name,metadata.tags&limit=100` },
  { name: 'by-query full text on other fields keeps nulls', path: `${C}/entities/by-query?orderField=spec.type,asc&fullTextFilterTerm=checkout&fullTextFilterFields=metadata.name&fields=metadata.name,spec.type` },
  { name: 'by-query offset', path: `${C}/entities/by-query?orderField=metadata.name,asc&offset=4&limit=2&fields=metadata.name` },
  { name: 'by-query last page has empty pageInfo', path: `${C}/entities/by-query?orderField=metadata.name,asc&limit=100&fields=metadata.name` },
  { name: 'by-query full text on name', path: `${C}/entities/by-query?fullTextFilterTerm=checkout&fullTextFilterFields=metadata.name&fields=kind,metadata.name`, compare: { unordered: 'body.items' } },
  { name: 'by-query full text, upper case, two fields', path: `${C}/entities/by-query?fullTextFilterTerm=PAY&fullTextFilterFields=metadata.name,metadata.title&orderField=metadata.name,asc&fields=kind,metadata.name` },
  { name: 'by-query full text without fields', path: `${C}/entities/by-query?fullTextFilterTerm=checkout&fields=metadata.name` },
  { name: 'by-query existence filter', path: `${C}/entities/by-query?filter=spec.system&fields=kind,metadata.name,spec.system&orderField=metadata.name,desc` },
  { name: 'by-query limit=-1 is 400', path: `${C}/entities/by-query?limit=-1` },
  { name: 'by-query limit=abc is 400', path: `${C}/entities/by-query?limit=abc` },
  { name: 'by-query bad orderField direction is 400', path: `${C}/entities/by-query?orderField=metadata.name,sideways` },
  { name: 'by-query malformed cursor is 400', path: `${C}/entities/by-query?cursor=!!bad`, compare: { only: messagePrefix('Malformed cursor: ') } },
  { name: 'by-query base64 non-JSON cursor is 400', path: `${C}/entities/by-query?cursor=${encodeURIComponent(Buffer.from('nope').toString('base64'))}`, compare: { only: messagePrefix('Malformed cursor: ') } },
  { name: 'by-query unknown query parameter is 400', path: `${C}/entities/by-query?foo=bar` },
];

const facets = [
  { name: 'facets kind', path: `${C}/entity-facets?facet=kind` },
  { name: 'facets several with filter', path: `${C}/entity-facets?facet=spec.lifecycle&facet=spec.type&filter=kind=component` },
  { name: 'facets tags', path: `${C}/entity-facets?facet=metadata.tags` },
  { name: 'facets relations', path: `${C}/entity-facets?facet=relations.ownedBy&facet=spec.owner` },
  { name: 'facets without facet is 400', path: `${C}/entity-facets` },
];

const single = [
  ...['component/default/checkout-service', 'component/default/checkout-web', 'component/default/ledger-lib',
    'api/default/payments-api', 'resource/default/payments-db', 'system/default/checkout', 'domain/default/payments',
    'group/default/engineering', 'group/default/team-payments', 'user/default/asmith', 'template/default/hello-debug',
    'location/default/extra', 'component/default/notifications-worker',
  ].map((ref) => ({ name: `by-name ${ref}`, path: `${C}/entities/by-name/${ref}`, save: saveUid })),
  { name: 'by-name is case-insensitive', path: `${C}/entities/by-name/Group/default/TEAM-PAYMENTS` },
  { name: 'by-name 404', path: `${C}/entities/by-name/component/default/does-not-exist` },
  { name: 'by-uid found', path: (ctx) => `${C}/entities/by-uid/${ctx.uid}` },
  { name: 'by-uid 404', path: `${C}/entities/by-uid/${UNKNOWN_UUID}` },
  { name: 'ancestry of a nested entity', path: `${C}/entities/by-name/component/default/notifications-worker/ancestry` },
  { name: 'ancestry 404', path: `${C}/entities/by-name/component/default/nope/ancestry` },
  {
    name: 'by-refs order, missing, fields', method: 'POST', path: `${C}/entities/by-refs`,
    body: { entityRefs: ['component:default/checkout-web', 'api:default/payments-api', 'component:default/nope'], fields: ['kind', 'metadata.name', 'relations'] },
  },
  {
    name: 'by-refs mixed case and unparsable refs', method: 'POST', path: `${C}/entities/by-refs`,
    body: { entityRefs: ['Component:default/Checkout-Web', 'not a ref', 'jdoe', 'user:default/jdoe'], fields: ['metadata.name'] },
  },
  {
    name: 'by-refs with filter', method: 'POST', path: `${C}/entities/by-refs?filter=kind=api`,
    body: { entityRefs: ['component:default/checkout-web', 'api:default/payments-api'], fields: ['metadata.name'] },
  },
  { name: 'by-refs without entityRefs is 400', method: 'POST', path: `${C}/entities/by-refs`, body: {} },
  { name: 'by-refs fields query parameter is 400', method: 'POST', path: `${C}/entities/by-refs?fields=kind`, body: { entityRefs: [] } },
  { name: 'by-refs non-JSON body is 400', method: 'POST', path: `${C}/entities/by-refs`, rawBody: 'entityRefs', contentType: 'text/plain' },
  { name: 'by-refs entityRefs not an array is 400', method: 'POST', path: `${C}/entities/by-refs`, body: { entityRefs: 'component:default/checkout-web' } },
  { name: 'by-refs non-string ref is 400', method: 'POST', path: `${C}/entities/by-refs`, body: { entityRefs: ['component:default/checkout-web', 7] } },
  { name: 'by-refs body not an object is 400', method: 'POST', path: `${C}/entities/by-refs`, body: ['component:default/checkout-web'] },
  { name: 'by-refs extra key is ignored', method: 'POST', path: `${C}/entities/by-refs`, body: { entityRefs: ['api:default/payments-api'], fields: ['metadata.name'], color: 'red' } },
  { name: 'DELETE by-uid unknown is 204', method: 'DELETE', path: `${C}/entities/by-uid/${UNKNOWN_UUID}` },
  { name: 'refresh', method: 'POST', path: `${C}/refresh`, body: { entityRef: 'component:default/checkout-service' } },
  { name: 'refresh unknown is 404', method: 'POST', path: `${C}/refresh`, body: { entityRef: 'component:default/nope' } },
  { name: 'refresh without entityRef is 400', method: 'POST', path: `${C}/refresh`, body: {} },
  { name: 'refresh extra key is 400', method: 'POST', path: `${C}/refresh`, body: { entityRef: 'component:default/checkout-service', color: 'red' } },
  { name: 'refresh entityRef not a string is 400', method: 'POST', path: `${C}/refresh`, body: { entityRef: 7 } },
  { name: 'refresh unknown query parameter is 400', method: 'POST', path: `${C}/refresh?force=true`, body: { entityRef: 'component:default/checkout-service' } },
  { name: 'unknown route is 404', path: `${C}/no-such-route` },
];

const target = (ctx, file) => `${ctx.fixture}/${file}`;
const locations = [
  { name: 'GET /locations lists no config locations', path: `${C}/locations` },
  { name: 'POST /locations url', method: 'POST', path: `${C}/locations`, body: (ctx) => ({ type: 'url', target: target(ctx, 'registered.yaml') }), save: (ctx, a) => { ctx.locationId = a.body?.location?.id; } },
  { name: 'POST /locations duplicate is 409', method: 'POST', path: `${C}/locations`, body: (ctx) => ({ type: 'url', target: target(ctx, 'registered.yaml') }) },
  { name: 'POST /locations dryRun', method: 'POST', path: `${C}/locations?dryRun=true`, body: (ctx) => ({ type: 'url', target: target(ctx, 'extra.yaml') }) },
  { name: 'POST /locations dryRun of a registered target', method: 'POST', path: `${C}/locations?dryRun=true`, body: (ctx) => ({ type: 'url', target: target(ctx, 'registered.yaml') }) },
  { name: 'POST /locations dryRun unreadable target is 400', method: 'POST', path: `${C}/locations?dryRun=true`, body: (ctx) => ({ type: 'url', target: target(ctx, 'missing.yaml') }) },
  { name: 'POST /locations without target is 400', method: 'POST', path: `${C}/locations`, body: { type: 'url' } },
  { name: 'POST /locations extra key is 400', method: 'POST', path: `${C}/locations`, body: (ctx) => ({ type: 'url', target: target(ctx, 'x.yaml'), color: 'red' }) },
  { name: 'POST /locations non-JSON body is 400', method: 'POST', path: `${C}/locations`, rawBody: 'type=url', contentType: 'text/plain' },
  { name: 'POST /locations form body is 400', method: 'POST', path: `${C}/locations`, rawBody: 'type=url', contentType: 'application/x-www-form-urlencoded' },
  { name: 'POST /locations without type is 400', method: 'POST', path: `${C}/locations`, body: (ctx) => ({ target: target(ctx, 'x.yaml') }) },
  { name: 'POST /locations empty body is 400', method: 'POST', path: `${C}/locations`, body: {} },
  { name: 'POST /locations type not a string is 400', method: 'POST', path: `${C}/locations`, body: (ctx) => ({ type: 1, target: target(ctx, 'x.yaml') }) },
  { name: 'POST /locations bad presence and extra key is 400', method: 'POST', path: `${C}/locations`, body: (ctx) => ({ type: 'url', target: target(ctx, 'x.yaml'), presence: 'maybe', color: 'red' }) },
  { name: 'POST /locations unknown query parameter is 400', method: 'POST', path: `${C}/locations?force=true`, body: (ctx) => ({ type: 'url', target: target(ctx, 'x.yaml') }) },
  { name: 'GET /locations', path: `${C}/locations` },
  { name: 'GET /locations/{id}', path: (ctx) => `${C}/locations/${ctx.locationId}` },
  { name: 'GET /locations/{id} 404', path: `${C}/locations/${UNKNOWN_UUID}` },
  { name: 'registered entity is ingested', path: `${C}/entities/by-name/component/default/registered-service`, until: (a) => a.status === 200 },
  { name: 'its system gains hasPart', path: `${C}/entities/by-name/system/default/checkout`, until: (a) => hasRelation(a.body, 'hasPart', 'component:default/registered-service') },
  { name: 'the registered root Location, with a view-url', path: (ctx) => `${C}/entities/by-name/location/default/${generatedName(target(ctx, 'registered.yaml'))}` },
  { name: 'ancestry of the registered entity', path: `${C}/entities/by-name/component/default/registered-service/ancestry` },
  { name: 'by-entity of the registered entity', path: `${C}/locations/by-entity/component/default/registered-service` },
  { name: 'by-entity of a config entity is 404', path: `${C}/locations/by-entity/component/default/checkout-service` },
  { name: 'by-entity of a missing entity is 404', path: `${C}/locations/by-entity/component/default/nope` },
  { name: 'DELETE /locations/{id}', method: 'DELETE', path: (ctx) => `${C}/locations/${ctx.locationId}` },
  { name: 'DELETE /locations/{id} again is 404', method: 'DELETE', path: (ctx) => `${C}/locations/${ctx.locationId}` },
  { name: 'registered entity is gone', path: `${C}/entities/by-name/component/default/registered-service`, until: (a) => a.status === 404 },
  { name: 'its system loses hasPart', path: `${C}/entities/by-name/system/default/checkout`, until: (a) => !hasRelation(a.body, 'hasPart', 'component:default/registered-service') },
  { name: 'GET /locations is empty again', path: `${C}/locations` },
];

const component = (patch = {}) => ({
  apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
  metadata: { name: 'validate-me' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-payments' },
  ...patch,
});
const validate = (name, entity, location = 'url:http://127.0.0.1/catalog-info.yaml', compare) => ({
  name: `validate-entity ${name}`, method: 'POST', path: `${C}/validate-entity`, body: { entity, location }, compare,
});
const validation = [
  validate('valid', component()),
  validate('missing lifecycle', component({ spec: { type: 'service', owner: 'team-payments' } }), undefined, { only: errorNames }),
  validate('bad name', component({ metadata: { name: 'bad name!' } }), undefined, { only: errorNames }),
  validate('unknown kind', component({ kind: 'Widget' }), undefined, { only: errorNames }),
  validate('missing apiVersion', { kind: 'Component', metadata: { name: 'x' }, spec: {} }),
  validate('file location', component(), 'file:/tmp/catalog-info.yaml'),
  // Request and envelope errors come from Backstage's own checks, not from
  // schemas, so their messages are compared too.
  validate('http location ref', component(), 'https://example.com/catalog-info.yaml'),
  validate('location ref without type', component(), 'catalog-info.yaml'),
  validate('entity not an object', 'component'),
  validate('entity without metadata.name', { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: {} }),
  validate('empty kind', { apiVersion: 'backstage.io/v1alpha1', kind: '', metadata: { name: 'x' } }),
  { name: 'validate-entity without location', method: 'POST', path: `${C}/validate-entity`, body: { entity: component() } },
  { name: 'validate-entity location not a string', method: 'POST', path: `${C}/validate-entity`, body: { entity: component(), location: null } },
  { name: 'validate-entity empty body', method: 'POST', path: `${C}/validate-entity`, body: {} },
  { name: 'validate-entity body not an object', method: 'POST', path: `${C}/validate-entity`, body: [component()] },
  { name: 'validate-entity non-JSON body', method: 'POST', path: `${C}/validate-entity`, rawBody: 'x', contentType: 'text/plain' },
  { name: 'analyze-location repository URL', method: 'POST', path: `${C}/analyze-location`, body: (ctx) => ({ location: { type: 'url', target: `${ctx.fixture}/acme/new-service` } }) },
  { name: 'analyze-location not a URL is 400', method: 'POST', path: `${C}/analyze-location`, body: { location: { type: 'url', target: 'not a url' } } },
  { name: 'analyze-location GitHub repository', method: 'POST', path: `${C}/analyze-location`, body: { location: { type: 'url', target: 'https://github.com/acme/new-service/tree/main/docs' } } },
  { name: 'analyze-location GitLab group path', method: 'POST', path: `${C}/analyze-location`, body: { location: { type: 'url', target: 'https://gitlab.com/acme/platform/new-service' } } },
  { name: 'analyze-location host only', method: 'POST', path: `${C}/analyze-location`, body: { location: { type: 'url', target: 'https://git.example.com' } } },
  { name: 'analyze-location without location is 400', method: 'POST', path: `${C}/analyze-location`, body: { catalogFilename: 'x.yaml' } },
  { name: 'analyze-location extra location key is 400', method: 'POST', path: `${C}/analyze-location`, body: { location: { type: 'url', target: 'https://github.com/a/b', presence: 'optional' } } },
  { name: 'analyze-location location without target is 400', method: 'POST', path: `${C}/analyze-location`, body: { location: { type: 'url' } } },
  { name: 'analyze-location non-JSON body is 400', method: 'POST', path: `${C}/analyze-location`, rawBody: 'x', contentType: 'text/plain' },
];

// Deliberate differences (see peer-diff.test.mjs): each says why, and what
// each side answers. None of them changes state on either side.
const peerLacks = 'Stackyard serves this catalog backend 4.x route; the 1.45.3 peer has no such route';
const deliberate = [
  { name: 'POST /entities/by-query', method: 'POST', path: `${C}/entities/by-query`, body: { query: { kind: 'group' }, fields: ['metadata.name'] },
    deliberate: { why: peerLacks, peer: { status: 404 }, stackyard: { status: 200 } } },
  { name: 'POST /entity-facets', method: 'POST', path: `${C}/entity-facets`, body: { facets: ['kind'] },
    deliberate: { why: peerLacks, peer: { status: 404 }, stackyard: { status: 200 } } },
  { name: 'POST /locations/by-query', method: 'POST', path: `${C}/locations/by-query`, body: {},
    deliberate: { why: peerLacks, peer: { status: 404 }, stackyard: { status: 200 } } },
  { name: 'PUT /locations/{id} of an unknown id', method: 'PUT', path: `${C}/locations/${UNKNOWN_UUID}`, body: (ctx) => ({ type: 'url', target: target(ctx, 'x.yaml') }),
    deliberate: { why: `${peerLacks}, so its 404 has no body`, peer: { status: 404 }, stackyard: { status: 404, error: 'NotFoundError' } } },
  { name: 'by-query totalItems=exclude', path: `${C}/entities/by-query?totalItems=exclude&limit=1&fields=kind`,
    deliberate: { why: 'catalog backend 4.x added the totalItems parameter, which the 1.45.3 peer rejects',
      peer: { status: 400, error: 'InputError', message: "Unknown query parameter 'totalItems'" }, stackyard: { status: 200 } } },
  { name: 'POST /locations dryRun with onConflict', method: 'POST', path: `${C}/locations?dryRun=true&onConflict=reject`, body: (ctx) => ({ type: 'url', target: target(ctx, 'extra.yaml') }),
    deliberate: { why: 'catalog backend 4.x added the onConflict parameter, which the 1.45.3 peer rejects',
      peer: { status: 400, error: 'InputError', message: "Unknown query parameter 'onConflict'" }, stackyard: { status: 201 } } },
  { name: 'POST /locations dryRun from a host off the reading allow-list', method: 'POST', path: `${C}/locations?dryRun=true`, body: { type: 'url', target: 'http://127.0.0.1:9/catalog-info.yaml' },
    deliberate: { why: 'Stackyard checks the allow-list when the location is added and answers 403 NotAllowedError naming catalog.reading.allow; the peer fails the read and answers 400',
      peer: { status: 400, error: 'InputError' }, stackyard: { status: 403, error: 'NotAllowedError' } } },
  { name: 'POST /locations dryRun of a file location', method: 'POST', path: `${C}/locations?dryRun=true`, body: { type: 'file', target: '/tmp/catalog-info.yaml' },
    deliberate: { why: "Stackyard, like stock Backstage, registers only url locations; the peer's index.js allows file ones",
      peer: { status: 400, error: 'InputError', message: 'NotFoundError: file /tmp/catalog-info.yaml does not exist' },
      stackyard: { status: 400, error: 'InputError', message: 'Registered locations must be of an allowed type ["url"]' } } },
  { name: 'GET /processing-errors', path: `${C}/processing-errors`,
    deliberate: { why: 'a Stackyard route that Backstage lacks (owners see why their entities failed, backstage/backstage#30000)',
      peer: { status: 404 }, stackyard: { status: 200 } } },
];

/** steps is every exchange, in the order it is sent. */
export const steps = [...entities, ...byQuery, ...facets, ...single, ...locations, ...validation, ...deliberate];

function saveLink(ctx, answer) {
  const m = /^<([^>]+)>; rel="next"$/.exec(answer.link ?? '');
  ctx.link = m ? m[1] : '/entities?missing-link';
}

function saveCursors(ctx, answer) {
  ctx.next = answer.body?.pageInfo?.nextCursor ?? 'missing';
  ctx.prev = answer.body?.pageInfo?.prevCursor ?? 'missing';
}

function saveUid(ctx, answer) {
  if (byName(answer.body) === 'checkout-service') ctx.uid = answer.body.metadata.uid;
}

/** generatedName is the name Backstage gives the Location entity of a url location. */
function generatedName(url) {
  return `generated-${crypto.createHash('sha1').update(`url:${url}`).digest('hex')}`;
}
