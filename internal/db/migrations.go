package db

// migrations is the ordered, append-only schema history. Never edit an
// applied entry; add a new one. Tables follow Backstage's catalog model
// (database/tables.ts): refresh state, references, relations, final
// entities and locations. Backstage's search table is not here: the
// flattened, case-folded search rows live in each replica's in-memory index
// (catalog/query), derived from final_entities, which is what answers every
// filter; a database copy cost a third of ingestion and nothing read it. The
// schedule (next_update_at,
// next_stitch_at) lives in the narrow refresh_queue table, so claiming and
// leasing rewrite a few bytes instead of a row holding two entity bodies.
// Times are Unix milliseconds.
var migrations = []migration{
	{1, "catalog", `
CREATE TABLE locations (
  id VARCHAR(36) PRIMARY KEY,
  type TEXT NOT NULL,
  target TEXT NOT NULL,
  entity_ref TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (type, target)
);
CREATE TABLE refresh_state (
  entity_id VARCHAR(36) PRIMARY KEY,
  entity_ref TEXT NOT NULL UNIQUE,
  unprocessed_entity TEXT NOT NULL,
  unprocessed_hash TEXT NOT NULL DEFAULT '',
  processed_entity TEXT,
  result_hash TEXT NOT NULL DEFAULT '',
  errors TEXT NOT NULL DEFAULT '',
  location_key TEXT,
  last_discovery_at BIGINT NOT NULL
);
CREATE TABLE refresh_queue (
  entity_id VARCHAR(36) PRIMARY KEY REFERENCES refresh_state (entity_id) ON DELETE CASCADE,
  entity_ref TEXT NOT NULL UNIQUE,
  next_update_at BIGINT NOT NULL,
  next_stitch_at BIGINT
);
CREATE INDEX refresh_queue_next_update_at_idx ON refresh_queue (next_update_at);
CREATE INDEX refresh_queue_next_stitch_at_idx ON refresh_queue (next_stitch_at);
CREATE TABLE refresh_state_references (
  id {{serial}},
  source_key TEXT,
  source_entity_ref TEXT,
  target_entity_ref TEXT NOT NULL
);
CREATE INDEX refresh_state_references_source_key_idx ON refresh_state_references (source_key);
CREATE INDEX refresh_state_references_source_entity_ref_idx ON refresh_state_references (source_entity_ref);
CREATE INDEX refresh_state_references_target_entity_ref_idx ON refresh_state_references (target_entity_ref);
CREATE TABLE relations (
  originating_entity_id VARCHAR(36) NOT NULL REFERENCES refresh_state (entity_id) ON DELETE CASCADE,
  source_entity_ref TEXT NOT NULL,
  type TEXT NOT NULL,
  target_entity_ref TEXT NOT NULL
);
CREATE INDEX relations_originating_entity_id_idx ON relations (originating_entity_id);
CREATE INDEX relations_source_entity_ref_idx ON relations (source_entity_ref);
CREATE INDEX relations_target_entity_ref_idx ON relations (target_entity_ref);
CREATE TABLE final_entities (
  entity_id VARCHAR(36) PRIMARY KEY REFERENCES refresh_state (entity_id) ON DELETE CASCADE,
  entity_ref TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  final_entity TEXT NOT NULL,
  owner_refs TEXT NOT NULL DEFAULT '',
  has_errors INTEGER NOT NULL DEFAULT 0,
  last_updated_at BIGINT NOT NULL,
  seq BIGINT NOT NULL
);
CREATE INDEX final_entities_seq_idx ON final_entities (seq);
CREATE TABLE final_deletions (
  seq BIGINT PRIMARY KEY,
  entity_id VARCHAR(36) NOT NULL,
  deleted_at BIGINT NOT NULL
);
CREATE TABLE catalog_seq (
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL
);
INSERT INTO catalog_seq (id, seq) VALUES (1, 0)
`},
	{2, "scaffolder", `
CREATE TABLE scaffolder_tasks (
  id VARCHAR(36) PRIMARY KEY,
  spec TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  queued_at BIGINT NOT NULL,
  last_heartbeat_at BIGINT,
  created_by TEXT,
  node_id TEXT,
  needs_secrets INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scaffolder_tasks_claim_idx ON scaffolder_tasks (status, queued_at);
CREATE INDEX scaffolder_tasks_created_at_idx ON scaffolder_tasks (created_at);
CREATE INDEX scaffolder_tasks_created_by_idx ON scaffolder_tasks (created_by, created_at);
CREATE INDEX scaffolder_tasks_node_idx ON scaffolder_tasks (node_id);
CREATE TABLE scaffolder_task_events (
  id {{serial}},
  task_id VARCHAR(36) NOT NULL REFERENCES scaffolder_tasks (id) ON DELETE CASCADE,
  event_type VARCHAR(16) NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX scaffolder_task_events_task_idx ON scaffolder_task_events (task_id, id)
`},
	// 3: the audit log (internal/audit), and the owner a task launches for,
	// so that task reads can be limited to its creator and owners in SQL.
	{3, "audit", `
CREATE TABLE audit_events (
  id {{serial}},
  at BIGINT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL,
  actor_refs TEXT NOT NULL DEFAULT '[]',
  via TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  owners TEXT NOT NULL DEFAULT '[]',
  outcome VARCHAR(16) NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  hash_before TEXT NOT NULL DEFAULT '',
  hash_after TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_target_idx ON audit_events (target, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, id);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE TABLE audit_event_owners (
  event_id BIGINT NOT NULL REFERENCES audit_events (id) ON DELETE CASCADE,
  owner_ref TEXT NOT NULL
);
CREATE INDEX audit_event_owners_ref_idx ON audit_event_owners (owner_ref, event_id);
ALTER TABLE scaffolder_tasks ADD COLUMN owner_ref TEXT;
CREATE INDEX scaffolder_tasks_owner_idx ON scaffolder_tasks (owner_ref, created_at)
`},
	// 4: stacks launched from stack templates (scaffolder/stacks/store):
	// what each was launched from, the values its owner gave, its repository
	// and its history.
	{4, "stacks", `
CREATE TABLE stacks (
  namespace VARCHAR(63) NOT NULL,
  name VARCHAR(63) NOT NULL,
  template TEXT NOT NULL,
  version TEXT NOT NULL,
  digest TEXT NOT NULL,
  stack_values TEXT NOT NULL DEFAULT '{}',
  repository TEXT NOT NULL,
  owner_ref TEXT NOT NULL,
  lifecycle TEXT NOT NULL,
  entity_refs TEXT NOT NULL DEFAULT '[]',
  history TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (namespace, name)
);
CREATE INDEX stacks_template_idx ON stacks (template, version);
CREATE INDEX stacks_owner_idx ON stacks (owner_ref)
`},
	// 5: rollouts of a stack template version over its stacks
	// (scaffolder/stacks/store): the selection, the waves' progress and
	// each stack's outcome.
	{5, "stack rollouts", `
CREATE TABLE stack_rollouts (
  id VARCHAR(64) PRIMARY KEY,
  template TEXT NOT NULL,
  to_version TEXT NOT NULL,
  status TEXT NOT NULL,
  task_id TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX stack_rollouts_template_idx ON stack_rollouts (template, created_at)
`},
	// 6: the refs an entity names that do not exist yet (a dangling
	// owner), so it is reprocessed when one appears. The relations index
	// on target_entity_ref served only that lookup, and every relation row
	// (about six per entity) paid for it.
	{6, "catalog awaited refs", `
DROP INDEX relations_target_entity_ref_idx;
CREATE TABLE awaited_refs (
  entity_id VARCHAR(36) NOT NULL REFERENCES refresh_state (entity_id) ON DELETE CASCADE,
  target_entity_ref TEXT NOT NULL
);
CREATE INDEX awaited_refs_entity_id_idx ON awaited_refs (entity_id);
CREATE INDEX awaited_refs_target_entity_ref_idx ON awaited_refs (target_entity_ref);
INSERT INTO awaited_refs (entity_id, target_entity_ref)
SELECT DISTINCT r.originating_entity_id, r.target_entity_ref FROM relations r
JOIN refresh_state s ON s.entity_id = r.originating_entity_id
WHERE r.type = 'ownedBy' AND s.errors LIKE '%OwnerNotFoundError%'
AND NOT EXISTS (SELECT 1 FROM refresh_state t WHERE t.entity_ref = r.target_entity_ref)
`},
	// 7: only the relations whose source is not the entity that emitted
	// them (the reverse half, such as a group's ownerOf) go into the
	// source index. The stitcher finds an entity's own relations by
	// originating_entity_id, whose time-ordered ids take new rows at the
	// end of their index; the source index took each new entity's rows on
	// random pages.
	{7, "catalog relations from their origin", `
ALTER TABLE relations ADD COLUMN source_is_origin INTEGER NOT NULL DEFAULT 0;
UPDATE relations SET source_is_origin = 1 WHERE source_entity_ref =
  (SELECT s.entity_ref FROM refresh_state s WHERE s.entity_id = relations.originating_entity_id);
DROP INDEX relations_source_entity_ref_idx;
CREATE INDEX relations_source_entity_ref_idx ON relations (source_entity_ref) WHERE source_is_origin = 0
`},
	// 8: an entity's own relations (those whose source is the entity that
	// emitted them) live in its refresh_state row, as a JSON array of
	// [type, target] pairs, instead of one relations row each with an
	// index entry: they are only ever read and replaced with the row.
	// The relations table keeps only the reverse halves, so every row is
	// in the source index and source_is_origin says nothing any more.
	{8, "catalog own relations in the entity row", `
ALTER TABLE refresh_state ADD COLUMN relations TEXT NOT NULL DEFAULT '';
UPDATE refresh_state SET relations = COALESCE(NULLIF((SELECT {{json_pairs}} FROM relations r
  WHERE r.originating_entity_id = refresh_state.entity_id AND r.source_is_origin = 1), '[]'), '');
DELETE FROM relations WHERE source_is_origin = 1;
DROP INDEX relations_source_entity_ref_idx;
ALTER TABLE relations DROP COLUMN source_is_origin;
CREATE INDEX relations_source_entity_ref_idx ON relations (source_entity_ref)
`},
}
