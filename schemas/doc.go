// Package schemas validates catalog entities against the CUE definitions in
// catalog/, the single source of truth for what an entity may look like.
//
// # Schemas
//
// #Kinds in catalog/registry.cue maps apiVersion and kind to the schema of
// that kind: Backstage's rules unified with Stackyard's platform policy.
// Compile builds it once; a platform team tightens it from configuration
// with Options: a different lifecycle list, and extra CUE source that is
// unified with every entity.
//
// # Errors
//
// Validate reports every problem of an entity in one pass, each as an
// errs.FieldError with the dotted path (spec.lifecycle, metadata.tags[1]),
// the line and column in the YAML, and a message written for people: a
// format failure says what format was expected and what was found, a failed
// disjunction lists the allowed values. A format's message is the @explain
// attribute on its definition in the CUE source.
//
// CUE v0.17 reports an error of a lower class (a missing required field) only
// when no error of a higher class exists, and drops a closed struct's
// "field not allowed" when a sibling field is wrong. Validate therefore
// re-runs the schema with the fields already reported set aside, up to
// maxPasses times, so that all of them come out together.
//
// # Concurrency and cost
//
// A cue.Context is not safe for concurrent use, so a Validator keeps a pool
// of compiled instances, one per CPU, each with its own context, and builds
// them lazily. CUE interns every new field name in its context for good, so
// an instance is rebuilt after recycleAfter validations. A valid entity
// costs one unification; only an invalid one pays for the extra passes.
package schemas
