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
// # Fast path
//
// Nearly every entity a catalog ingests is valid, and CUE takes some 300 µs
// to say so. Compile therefore also compiles each kind schema into a checker
// of plain Go values (fast*.go) that answers "certainly valid" or "don't
// know"; Validate returns at once on the first and asks CUE on the second,
// so every message still comes from CUE. The checker holds no rules of its
// own: it is read from the evaluated schemas with the cue API (fields and
// whether they are required, pattern constraints, list elements, and
// constraints taken apart with Value.Expr: types, =~, !~, !=, literals,
// disjunctions, and net.AbsURL, run with the function CUE calls). A typical
// Component takes about 5 µs on the fast path.
//
// It must never call valid what CUE rejects, so it leaves to CUE whatever it
// does not fully understand: the error(...) values of the label and
// annotation key rules, a constraint that refers to a field inside the
// schema (such as the template origin annotations, which refer to each
// other), comprehensions, embeddings, recursive definitions, numeric
// constraints, invalid UTF-8, and any entity when Options.Policy is set. A
// key is allowed only if every struct literal the struct was unified from
// allows it, which is never more than CUE allows. TestChecker_Sound and FuzzChecker hold the checker to CUE's
// verdicts on entities, TestCompiler_Constructs on CUE constructs the
// schemas do not use yet, and TestChecker_Fallbacks lists what it leaves to
// CUE.
//
// # Concurrency and cost
//
// A cue.Context is not safe for concurrent use, so a Validator keeps a pool
// of compiled instances, one per CPU, each with its own context, and builds
// them lazily. CUE interns every new field name in its context for good, so
// an instance is rebuilt after recycleAfter validations. A valid entity
// that the fast path does not take costs one unification; only an invalid
// one pays for the extra passes.
package schemas
