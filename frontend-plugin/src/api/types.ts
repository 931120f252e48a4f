/**
 * The shapes of Stackyard's stacks API, /api/stacks/v1 (README.md, "Stacks
 * API"; the Go types are in scaffolder/stacks/fleet and
 * scaffolder/stacks/upgrade).
 */

/** A stack template (GET /templates). */
export interface StackTemplate {
  name: string;
  ref: string;
  title: string;
  description: string;
  owner: string;
  latestVersion: string;
  versions: string[];
  source: string;
}

/** One version of a stack template (GET /templates/:name/versions), newest first. */
export interface StackTemplateVersion {
  version: string;
  changelog: string;
  digest: string;
  latest: boolean;
}

/** One event of a stack's history. */
export interface StackEvent {
  at: string;
  action: string;
  by?: string;
  from?: string;
  to?: string;
  note?: string;
}

/** A stack (GET /stacks/:ns/:name). */
export interface Stack {
  namespace: string;
  name: string;
  /** The template's entity ref, e.g. template:default/web-service. */
  template: string;
  version: string;
  digest: string;
  values: Record<string, unknown>;
  repository: string;
  owner: string;
  lifecycle: string;
  entityRefs: string[];
  history: StackEvent[];
  createdAt: string;
  updatedAt: string;
  latestVersion: string;
  behind: boolean;
}

/** The overall outcome of a plan. */
export type PlanStatus = 'up-to-date' | 'ready' | 'conflicts' | 'blocked';

/** Where the value of a field comes from. */
export type Origin = 'owner-value' | 'owner-edit' | 'template-default' | 'template-change' | (string & {});

/** Who acts on a blocker. */
export type Responsible = 'owner' | 'platform' | (string & {});

export interface ValueChange {
  field: string;
  from: unknown;
  to: unknown;
  origin: Origin;
  detail: string;
}

export interface AppliedMigration {
  from?: string;
  note?: string;
  [key: string]: unknown;
}

export interface PlanValues {
  stored: Record<string, unknown>;
  given: Record<string, unknown>;
  migrations?: AppliedMigration[];
  dropped?: string[];
  changes?: ValueChange[];
}

/** What an upgrade does to one file of the stack repository. */
export interface FileChange {
  path: string;
  change: 'added' | 'modified' | 'deleted' | 'unchanged' | (string & {});
  merge: 'clean' | 'conflict' | (string & {});
  note?: string;
  conflicts?: number;
  /** The unified diff from the repository now to the result. */
  diff?: string;
}

/** One field a blocker names, with its value and origin. */
export interface FieldOrigin {
  field: string;
  value: unknown;
  origin: Origin;
  detail: string;
  /** The repository file of an owner-edit. */
  file?: string;
}

/** A guardrail, or a parameter constraint, that fails after the upgrade. */
export interface Blocker {
  guardrail: string;
  message: string;
  /** "values", "repository" or "values and repository". */
  on: string;
  responsible: Responsible;
  /** The entity ref to contact. */
  contact: string;
  fields: FieldOrigin[];
}

/** An upgrade plan (POST /stacks/:ns/:name/plan). */
export interface UpgradePlan {
  stack: string;
  owner: string;
  template: string;
  from: string;
  to: string;
  status: PlanStatus;
  blockedBy?: 'owner' | 'platform' | (string & {});
  values: PlanValues;
  files: FileChange[];
  blockers: Blocker[];
  digest: string;
}

/** The answer to POST /stacks/:ns/:name/upgrade (202). */
export interface UpgradeTask {
  taskId: string;
  stack: string;
  toVersion: string;
  branch: string;
}

/** The groups of a fleet view, in the order a view shows them. */
export const FLEET_GROUPS = [
  'up-to-date',
  'ready',
  'conflicts',
  'blocked-by-owner',
  'blocked-by-platform',
  'failed',
] as const;

export type FleetGroupName = (typeof FLEET_GROUPS)[number];

export interface FleetStack {
  stack: string;
  owner: string;
  version: string;
  status: FleetGroupName | (string & {});
  planDigest?: string;
  blockers?: number;
  conflicts?: number;
  error?: string;
}

export interface FleetGroup {
  count: number;
  owners: string[];
  stacks: FleetStack[];
}

/** Every stack of a template grouped by what upgrading it would take. */
export interface Fleet {
  template: string;
  toVersion: string;
  total: number;
  groups: Partial<Record<FleetGroupName, FleetGroup>> & Record<string, FleetGroup>;
}

/** A filter for GET /stacks. */
export interface StacksFilter {
  owner?: string;
  template?: string;
  behind?: boolean;
}
