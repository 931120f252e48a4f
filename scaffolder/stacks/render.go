package stacks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

// Input is what one render needs besides the template.
type Input struct {
	// Namespace is the stack's namespace; empty means "default".
	Namespace string
	// Values are the values the owner gave, without defaults.
	Values map[string]any
}

// Result is one render of a template version.
type Result struct {
	// Template and Version name what was rendered.
	Template string `json:"template"`
	Version  string `json:"version"`
	// Stack is "namespace/name", the value of the stackyard.dev/stack annotation.
	Stack string `json:"stack"`
	// Given are the values the owner gave, normalized to JSON values.
	Given map[string]any `json:"given"`
	// Resolved are all parameters: the given values and the defaults.
	Resolved map[string]any `json:"resolved"`
	// Files are the repository files, sorted by path.
	Files []File `json:"files"`
	// Entities are the catalog entities, with owner, lifecycle and the
	// template annotations added.
	Entities []model.Entity `json:"entities"`
	// Guardrails are every guardrail with its outcome, in declaration order.
	Guardrails []Guardrail `json:"guardrails"`
}

// Guardrail is one evaluated guardrail.
type Guardrail struct {
	ID      string   `json:"id"`
	OK      bool     `json:"ok"`
	Message string   `json:"message"`
	Fields  []string `json:"fields"`
	// Pos is where the guardrail is declared, file:line:col.
	Pos string `json:"pos,omitempty"`
}

// Render checks the values against the parameters and renders the files
// and entities. Values that break a parameter's constraint, or that are not
// parameters, fail with an *errs.ValidationError whose paths are the
// parameters' names (it matches errs.ErrInput). Entities that fail the
// catalog schemas fail too, but the Result comes back along with that
// error, as parse.YAML does, so that vet can go on. Failing guardrails do
// not fail the render: they are in Result.Guardrails, and Result.Check
// turns them into field errors.
func (t *Template) Render(ctx context.Context, in Input) (*Result, error) {
	given, err := NormalizeValues(in.Values)
	if err != nil {
		return nil, err
	}
	if unknown := t.unknownValues(given); len(unknown) > 0 {
		return nil, validationError("values", unknown)
	}
	ns := in.Namespace
	if ns == "" {
		ns = model.DefaultNamespace
	}
	return run(ctx, t, "render", func() (*Result, error) {
		return t.render(given, ns)
	})
}

// render runs in the evaluator.
func (t *Template) render(given map[string]any, ns string) (*Result, error) {
	filled, resolved, err := t.fill(given)
	if err != nil {
		return nil, err
	}
	guardrails, err := t.readGuardrails(filled.LookupPath(pathGuardrails))
	if err != nil {
		return nil, err
	}
	r := &Result{Template: t.Name, Version: t.Version, Given: given, Resolved: resolved, Guardrails: guardrails}
	name, _ := resolved["name"].(string)
	r.Stack = ns + "/" + name
	size := 0
	if r.Files, size, err = t.renderFiles(filled.LookupPath(pathFiles)); err != nil {
		return nil, err
	}
	var invalid error
	if r.Entities, invalid, err = t.renderEntities(filled.LookupPath(pathEntities), r, ns, size); err != nil {
		return nil, err
	}
	return r, invalid
}

// fill puts the values into the parameters and checks them.
func (t *Template) fill(given map[string]any) (cue.Value, map[string]any, error) {
	data, err := json.Marshal(given)
	if err != nil {
		return cue.Value{}, nil, fmt.Errorf("encode values: %w", err)
	}
	filled := t.value.FillPath(pathParameters, t.ctx.CompileBytes(data, cue.Filename(valuesFile)))
	params := filled.LookupPath(pathParameters)
	if err := params.Validate(cue.Concrete(true)); err != nil {
		fe := fieldErrors(err)
		for i := range fe {
			fe[i].Path = strings.TrimPrefix(fe[i].Path, "parameters.")
		}
		return cue.Value{}, nil, validationError("values", fe)
	}
	resolved, err := decodeJSON(params)
	if err != nil {
		return cue.Value{}, nil, cueError("values", err)
	}
	return filled, resolved, nil
}

// readGuardrails evaluates each guardrail; one whose ok is not a concrete
// bool is an error of the template.
func (t *Template) readGuardrails(v cue.Value) ([]Guardrail, error) {
	it, err := v.Fields()
	if err != nil {
		return nil, cueError("guardrails", err)
	}
	var out []Guardrail
	var problems []errs.FieldError
	for it.Next() {
		id := it.Selector().Unquoted()
		g := Guardrail{ID: id, Pos: t.pos(cue.Str("guardrails"), cue.Str(id))}
		gv := it.Value()
		ok, err := gv.LookupPath(cue.ParsePath("ok")).Bool()
		if err != nil {
			problems = append(problems, fieldErrors(err)...)
			continue
		}
		g.OK = ok
		if g.Message, err = gv.LookupPath(cue.ParsePath("message")).String(); err != nil {
			problems = append(problems, fieldErrors(err)...)
			continue
		}
		if err := gv.LookupPath(cue.ParsePath("fields")).Decode(&g.Fields); err != nil {
			problems = append(problems, fieldErrors(err)...)
			continue
		}
		out = append(out, g)
	}
	if len(problems) > 0 {
		return nil, validationError("guardrails", problems)
	}
	return out, nil
}

// Guardrails checks the values and evaluates the guardrails on them, without
// rendering files or entities. Errors are as for Render.
func (t *Template) Guardrails(ctx context.Context, values map[string]any) ([]Guardrail, error) {
	given, err := NormalizeValues(values)
	if err != nil {
		return nil, err
	}
	if unknown := t.unknownValues(given); len(unknown) > 0 {
		return nil, validationError("values", unknown)
	}
	return run(ctx, t, "evaluate guardrails", func() ([]Guardrail, error) {
		filled, _, err := t.fill(given)
		if err != nil {
			return nil, err
		}
		return t.readGuardrails(filled.LookupPath(pathGuardrails))
	})
}

// Failures returns the guardrails that do not hold.
func (r *Result) Failures() []Guardrail {
	var out []Guardrail
	for _, g := range r.Guardrails {
		if !g.OK {
			out = append(out, g)
		}
	}
	return out
}

// Check returns the failing guardrails as an *errs.ValidationError with one
// field error per field each names, so a form shows the message next to
// the field; nil when every guardrail holds.
func (r *Result) Check() error {
	var fe []errs.FieldError
	for _, g := range r.Failures() {
		if len(g.Fields) == 0 {
			fe = append(fe, errs.FieldError{Message: g.Message + " (guardrail " + g.ID + ")"})
		}
		for _, f := range g.Fields {
			fe = append(fe, errs.FieldError{Path: f, Message: g.Message + " (guardrail " + g.ID + ")"})
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return validationError("guardrails", fe)
}

// FileMap returns the files by path.
func (r *Result) FileMap() map[string][]byte {
	out := make(map[string][]byte, len(r.Files))
	for _, f := range r.Files {
		out[f.Path] = f.Content
	}
	return out
}

// decodeJSON exports a concrete value as JSON values.
func decodeJSON(v cue.Value) (map[string]any, error) {
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// posString is a value's position as file:line:col, or "".
func posString(v cue.Value) string {
	p := v.Pos()
	if !p.IsValid() || p.Filename() == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename(), p.Line(), p.Column())
}
