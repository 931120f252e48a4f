// Package upgrade plans the upgrade of one stack from the template
// version it is on (base) to a newer one (target). NewPlan is a pure
// function of its Input: the two compiled versions, the values the owner
// gave, and the files of the stack repository as they are now (ours). It
// reads no repository and writes nothing; the upgrade task and the fleet
// view call it with what they loaded.
//
// # Steps
//
//  1. Migrate the stored values with the target's migrations; values the
//     target has no parameter for are dropped and listed.
//  2. Render the base version with the stored values and the target with
//     the migrated ones (theirs).
//  3. Merge each file three ways, as copier does: base is what launch (or
//     the last upgrade) wrote, ours is the repository now, theirs is the
//     target. A file only one side changed takes that side; a file both
//     changed is merged line by line, diff3-style, on a Myers line diff
//     (diffmatchpatch), and conflicting hunks are written with git's
//     markers, base in the middle. Every file is listed as added, modified,
//     deleted or unchanged, clean or in conflict, with the unified diff
//     from ours to the result. Files the owner deleted stay deleted; a
//     file the template drops but the owner edited is kept, in conflict.
//  4. Evaluate the guardrails on the migrated values, and again on the
//     merged result: parameters bound to a place in a file with
//     @repo(file=..., path=...) are read back from the merged files, and
//     where the owner's edit survived the merge, it is the value. A
//     guardrail that fails on either, or a value that breaks a parameter
//     constraint, is a blocker.
//  5. Derive the status (blocked over conflicts over ready; up-to-date when
//     the versions are the same) and the digest of the inputs.
//
// # Blame
//
// Each field a blocker names gets an origin: owner-value (the owner gave
// it, perhaps under an older name), owner-edit (the owner changed it in
// the repository), template-default (the template's default, the same in
// both versions) or template-change (a new or changed default, a new
// parameter, a value a migration set). Who is responsible follows from
// what would make the guardrail hold:
//
//   - the platform, when putting the fields this upgrade changed back to
//     their base values makes it hold: the upgrade breaks a working stack
//     (2.0.0 raises the default minAvailable to 1 under a stack that runs
//     one replica);
//   - the owner, when putting the owner's fields back to the template's
//     defaults makes it hold: their configuration breaks the rule
//     (minAvailable: 2 with replicas: 2);
//   - the platform otherwise: the template fails on its own defaults.
//
// The blocker names the entity ref to contact: the stack's owner, or the
// template's owner (template.owner). Plan.BlockedBy is "platform" when any
// blocker is the platform's, so a fleet view can group stacks by who acts.
//
// # Digest
//
// Plan.Digest hashes the inputs: both versions' content digests, the
// stack's namespace, owner and stored values, and the content of every
// repository file either version renders (other files may change freely).
// An upgrade that names a digest must recompute the plan and refuse (409)
// when the digest differs: the plan the owner saw is no longer the one
// that would run.
//
// # Cost
//
// A plan renders two versions and evaluates the guardrails once or twice
// more; BenchmarkNewPlan_Fleet plans 1,000 stacks in about 4 s on two
// cores with a peak RSS under 40 MiB. Evaluations of one Template are
// serialized (see package stacks), so a parallel fleet view compiles one
// Template per worker.
package upgrade
