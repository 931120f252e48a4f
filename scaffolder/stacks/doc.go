// Package stacks loads, checks and renders stack templates: CUE packages
// that a platform team writes and versions, and from which Stackyard
// launches stacks and later upgrades them (see package upgrade).
//
// # The template contract
//
// A stack template version is one CUE package. These top-level fields are
// required unless marked optional; contract.cue holds the same rules as
// the definition #Stack, and Compile unifies every template with it.
//
//	template: {                     // this version
//		name:         "web-service"   // an entity name
//		version:      "2.0.0"         // a semantic version
//		title:        string          // shown on the Create page
//		description:  string
//		owner:        "group:default/platform" // who maintains the template
//		type?:        string          // the Backstage template type; "service"
//		changelog?:   string          // what changed in this version
//		tags?:        [...string]
//		launchers?:   [...string]     // only holders of one of these refs may launch it
//	}
//	parameters: {                   // the form; name! and owner! required, the rest e.g.
//		name!:        string & =~"^[a-z][a-z0-9-]{2,40}$"
//		owner!:       string          // a group or user ref
//		lifecycle:    *"experimental" | "production" | "deprecated"
//		replicas:     int & >=1 & <=20 | *2
//		minAvailable: int & >=0 | *1
//	}
//	files: [path=string]: string | {...}
//	entities: [...{...}]
//	guardrails: [id=string]: {ok: bool, message: string, fields: [...string]}
//	migrations?: [...{from: string, input: {...}, output: {...}, note?: string}]
//	examples?: [...{values: {...}, fails?: [...string]}]
//
// parameters must declare name! and owner! themselves. A field with a
// default is optional for the owner; a field marked ! is required. The
// values the owner gave are kept apart from the defaults (Result.Given and
// Result.Resolved), so that a later version's new defaults apply to a stack
// that never chose otherwise.
//
// files maps a slash-separated path inside the stack repository to its
// content: a string is written as it is, a struct as YAML (.yaml, .yml) or
// indented JSON (.json). A path that is absolute, not clean, climbs out
// with "..", or writes into .git is refused.
//
// entities are the catalog entities of the stack. Stackyard sets on each:
// spec.owner from the owner value (kinds that have an owner), spec.lifecycle
// from the lifecycle value (Component and API), metadata.namespace when
// the stack's namespace is not "default" and the entity names none, and
// the annotations backstage.io/source-template (template:default/NAME),
// backstage.io/template-version and stackyard.dev/stack (NAMESPACE/NAME).
// With Options.Validator, entities are then checked with the catalog's
// CUE schemas.
//
// guardrails are rules a stack must satisfy beyond single-field
// constraints, such as minAvailable < replicas. ok says whether the rule
// holds, message is shown when it does not, and fields names the
// parameters involved: a form shows the message against those fields
// (Result.Check), and the upgrade planner blames each of them.
//
// migrations (optional) map the values stored for an older version onto
// this one. Each entry whose from matches the stack's version (MatchVersion:
// "1.x", "<2.0.0", ">=1.1.0 <1.5.0", "*") runs in order: its input is
// filled with the values and its output is the new values, for example
//
//	migrations: [{
//		from: "1.x"
//		note: "port is now containerPort"
//		input: {...}
//		output: {
//			for k, v in input if k != "port" {(k): v}
//			if input.port != _|_ {containerPort: input.port}
//		}
//	}]
//
// examples (optional) are value sets that `stackyard template vet` renders;
// fails lists the guardrails an example is meant to break.
//
// # Attributes
//
// Parameters may carry attributes:
//
//	@ui(title="Owner", field=OwnerPicker, options="{\"catalogFilter\":{\"kind\":\"Group\"}}")
//	@ui(widget=textarea, help="...", placeholder="...", autofocus, page="Deployment")
//	@secret()                       // never stored with the stack; ui:widget password
//	@repo(file="deploy/deployment.yaml", path="spec.replicas")
//
// @ui keys become ui: keys of the field's JSON Schema (title is the
// schema's own title, options is JSON, a bare key is true, page groups the
// fields into form pages). @repo says where the value lands in a rendered
// YAML or JSON file, so the planner can read an owner's edit of it back.
// A field's doc comment becomes its description.
//
// # Versions and sources
//
// A template source is a git repository whose semver tags (v1.0.0 or
// 1.0.0, lightweight or annotated) are the versions, or a directory with
// one sub-folder per version (schemas/stacks/web-service/1.0.0). OpenSource
// opens either; Source.Load reads one version into memory (symbolic links
// and submodules left out, MaxSourceBytes at most) and compiles it. The
// version a template declares must match its tag or folder.
//
// # Bounds
//
// Templates are code, and CUE evaluation can take time and memory far out
// of proportion to the source (a comprehension over list.Range(0, 200000)
// takes minutes). So every evaluation of a Template (compile, render,
// migrate, guardrails) runs in its own goroutine with a deadline,
// Options.Timeout (DefaultTimeout, 10 s). CUE cannot be interrupted: at the
// deadline the caller gets ErrTimeout (which matches errs.ErrInput) and the
// goroutine runs on, holding the template's single evaluation slot until
// CUE returns. Evaluations of one Template therefore never overlap, a
// runaway costs at most one evaluation's CPU and memory, and later callers
// wait for the slot only as long as their ctx allows. Inputs and outputs
// are bounded too: MaxSourceBytes and MaxSourceFiles per version,
// Options.MaxFiles and Options.MaxOutputBytes per render. A cue.Context
// keeps what each evaluation adds, so a Template rebuilds its context every
// recycleAfter evaluations.
//
// # Errors
//
// CUE errors come back as *errs.ValidationError, which matches
// errs.ErrInput, with one errs.FieldError per path: the file:line:col the
// template gives, the path, and a message for people (a failed disjunction
// of literals reads "must be one of a, b (got c)"). Errors about values
// name the parameter as their path, so a form can show them by the field.
package stacks
