package upgrade

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/stacks"
)

// Status is the overall outcome of a plan.
type Status string

// The statuses of a plan, from best to worst.
const (
	// StatusUpToDate: the stack is on the target version already.
	StatusUpToDate Status = "up-to-date"
	// StatusReady: every file merges cleanly and no guardrail fails.
	StatusReady Status = "ready"
	// StatusConflicts: some files conflict; the owner resolves them on the
	// upgrade branch.
	StatusConflicts Status = "conflicts"
	// StatusBlocked: a guardrail or a parameter constraint fails; see
	// Plan.Blockers and Plan.BlockedBy.
	StatusBlocked Status = "blocked"
)

// Stack is what the planner needs to know about one stack.
type Stack struct {
	// Namespace is the stack's namespace; empty means "default".
	Namespace string
	// Owner is the entity ref of the stack's owner, who is contacted about
	// blockers of their own making; empty means the owner value.
	Owner string
	// Values are the values the owner gave, as stored for the base version.
	Values map[string]any
}

// Input is everything a plan depends on.
type Input struct {
	Stack Stack
	// Base is the version the stack is on; Target the version to go to.
	Base, Target *stacks.Template
	// Ours are the files of the stack repository as they are now, by
	// slash-separated path. Files that neither version renders are ignored.
	Ours map[string][]byte
}

// Plan is what upgrading one stack to a target version would do.
type Plan struct {
	Stack    string `json:"stack"`
	Owner    string `json:"owner"`
	Template string `json:"template"`
	From     string `json:"from"`
	To       string `json:"to"`
	Status   Status `json:"status"`
	// BlockedBy is "owner" or "platform" when blocked: platform when any
	// blocker is the platform's, so a fleet view can group stacks by who acts.
	BlockedBy string         `json:"blockedBy,omitempty"`
	Values    Values         `json:"values"`
	Files     []FileChange   `json:"files"`
	Blockers  []Blocker      `json:"blockers"`
	Entities  []model.Entity `json:"entities,omitempty"`
	// Digest identifies the inputs of the plan; an upgrade that names a
	// digest runs only while the inputs still hash to it.
	Digest string `json:"digest"`
}

// Values is what the plan does to the stack's values.
type Values struct {
	// Stored are the values the owner gave, as stored for the base version.
	Stored map[string]any `json:"stored"`
	// Given are the stored values after migrations: what the stack record
	// keeps after the upgrade.
	Given map[string]any `json:"given"`
	// Migrations are the migrations that ran.
	Migrations []stacks.Applied `json:"migrations,omitempty"`
	// Dropped are stored values the target version has no parameter for.
	Dropped []string `json:"dropped,omitempty"`
	// Changes are the parameters whose resolved value changes.
	Changes []ValueChange `json:"changes,omitempty"`
}

// ValueChange is one parameter whose resolved value changes.
type ValueChange struct {
	Field  string `json:"field"`
	From   any    `json:"from"`
	To     any    `json:"to"`
	Origin Origin `json:"origin"`
	Detail string `json:"detail"`
}

// NewPlan computes the upgrade plan of one stack. It is a pure function of
// its input: it renders both versions with CUE (bounded by the templates'
// evaluators) but touches no repository or database.
func NewPlan(ctx context.Context, in Input) (*Plan, error) {
	if in.Base == nil || in.Target == nil {
		return nil, errors.New("plan: base and target templates are required")
	}
	if in.Base.Name != in.Target.Name {
		return nil, errs.Input("plan: cannot upgrade a %s stack to %s", in.Base.Name, in.Target.Name)
	}
	from, err := stacks.ParseVersion(in.Base.Version)
	if err != nil {
		return nil, err
	}
	to, _ := stacks.ParseVersion(in.Target.Version)
	if to.Compare(from) < 0 {
		return nil, errs.Input("plan: %s is older than %s; stacks do not downgrade", in.Target.Version, in.Base.Version)
	}
	p, err := newPlanner(ctx, in)
	if err != nil {
		return nil, err
	}
	return p.plan(ctx)
}

// planner holds one plan's state while it is computed.
type planner struct {
	in     Input
	ns     string
	out    *Plan
	stored map[string]any
	given  map[string]any // after migrations, known to the target
	base   *stacks.Result
	theirs *stacks.Result // nil when the values break a parameter constraint
}

// newPlanner renders the base version and migrates the values.
func newPlanner(ctx context.Context, in Input) (*planner, error) {
	ns := in.Stack.Namespace
	if ns == "" {
		ns = model.DefaultNamespace
	}
	stored, err := stacks.NormalizeValues(in.Stack.Values)
	if err != nil {
		return nil, err
	}
	// Entities that fail the catalog schemas come back with the render;
	// the base version's are what the catalog holds already.
	base, err := in.Base.Render(ctx, stacks.Input{Namespace: ns, Values: stored})
	if err != nil && base == nil {
		return nil, fmt.Errorf("plan: render the stack's version %s: %w", in.Base.Version, err)
	}
	owner := in.Stack.Owner
	if owner == "" {
		owner, _ = base.Resolved["owner"].(string)
	}
	p := &planner{in: in, ns: ns, stored: stored, base: base, out: &Plan{
		Stack: base.Stack, Owner: owner, Template: in.Target.Name, From: in.Base.Version, To: in.Target.Version,
		Files: []FileChange{}, Blockers: []Blocker{}, Values: Values{Stored: stored},
	}}
	migrated, applied, err := in.Target.Migrate(ctx, in.Base.Version, stored)
	if err != nil {
		return nil, fmt.Errorf("plan: migrate values to %s: %w", in.Target.Version, err)
	}
	p.given, p.out.Values.Dropped = in.Target.KnownValues(migrated)
	p.out.Values.Given, p.out.Values.Migrations = p.given, applied
	return p, nil
}

// plan renders the target, merges the files and collects the blockers.
func (p *planner) plan(ctx context.Context) (*Plan, error) {
	out := p.out
	if p.in.Base.Version == p.in.Target.Version {
		out.Status = StatusUpToDate
		out.Digest = digest(p.in, p.stored, p.paths())
		return out, nil
	}
	theirs, err := p.in.Target.Render(ctx, stacks.Input{Namespace: p.ns, Values: p.given})
	var ve *errs.ValidationError
	switch {
	case theirs != nil:
		// A render comes back with an error only for entities that fail
		// the catalog schemas.
		if errors.As(err, &ve) {
			out.Blockers = append(out.Blockers, p.entityBlocker(ve.Fields))
		}
		if err := p.merge(ctx, theirs); err != nil {
			return nil, err
		}
	case errors.As(err, &ve):
		out.Blockers = append(out.Blockers, p.constraintBlockers(ctx, ve.Fields, OnValues, nil)...)
	default:
		return nil, fmt.Errorf("plan: render %s: %w", p.in.Target.Version, err)
	}
	out.Status, out.BlockedBy = status(out)
	out.Digest = digest(p.in, p.stored, p.paths())
	return out, nil
}

// paths lists the files either version renders.
func (p *planner) paths() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range []*stacks.Result{p.base, p.theirs} {
		if r == nil {
			continue
		}
		for _, f := range r.Files {
			if !seen[f.Path] {
				seen[f.Path] = true
				out = append(out, f.Path)
			}
		}
	}
	return out
}

// merge takes the target render: value changes, merged files, blockers.
func (p *planner) merge(ctx context.Context, theirs *stacks.Result) error {
	p.theirs = theirs
	p.out.Entities = theirs.Entities
	p.out.Values.Changes = p.valueChanges()
	p.out.Files = p.mergeFiles()
	blockers, err := p.guardrailBlockers(ctx)
	if err != nil {
		return err
	}
	p.out.Blockers = append(p.out.Blockers, blockers...)
	return nil
}

// entityBlocker reports entities of the target that fail the catalog
// schemas: the template's to fix.
func (p *planner) entityBlocker(fe []errs.FieldError) Blocker {
	msgs := make([]string, len(fe))
	for i, f := range fe {
		msgs[i] = f.Path + ": " + f.Message
	}
	return Blocker{Guardrail: "entities", Message: strings.Join(msgs, "; "), On: OnValues,
		Responsible: ResponsiblePlatform, Contact: p.in.Target.Owner, Fields: []FieldOrigin{}}
}

// status derives the overall status: blocked over conflicts over ready.
func status(p *Plan) (Status, string) {
	if len(p.Blockers) > 0 {
		by := ResponsibleOwner
		for _, b := range p.Blockers {
			if b.Responsible == ResponsiblePlatform {
				by = ResponsiblePlatform
			}
		}
		return StatusBlocked, by
	}
	for _, f := range p.Files {
		if f.Merge == MergeConflict {
			return StatusConflicts, ""
		}
	}
	return StatusReady, ""
}
