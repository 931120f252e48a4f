package stacks

import (
	"context"
	"encoding/json"
	"fmt"

	"cuelang.org/go/cue"

	"github.com/stackyard/stackyard/internal/errs"
)

// Applied is one migration that Migrate ran.
type Applied struct {
	// From is the migration's version constraint, such as "1.x".
	From string `json:"from"`
	// Note says what the migration does.
	Note string `json:"note,omitempty"`
}

// Example is one entry of a template's examples.
type Example struct {
	// Values are the values the example gives.
	Values map[string]any `json:"values"`
	// Fails lists the guardrails the example is expected to fail.
	Fails []string `json:"fails,omitempty"`
	// Pos is where the example is declared, file:line:col.
	Pos string `json:"pos,omitempty"`
}

// Migrate maps values stored for version from onto this version. Every
// migration whose from matches runs, in the order declared, each on the
// output of the one before: its input is filled with the values and its
// output becomes the new values. Values of the same version come back as
// they are.
func (t *Template) Migrate(ctx context.Context, from string, values map[string]any) (map[string]any, []Applied, error) {
	cur, err := NormalizeValues(values)
	if err != nil {
		return nil, nil, err
	}
	if from == t.Version {
		return cur, nil, nil
	}
	type result struct {
		values  map[string]any
		applied []Applied
	}
	r, err := run(ctx, t, "migrate values", func() (result, error) {
		vals, applied, err := t.migrate(from, cur)
		return result{vals, applied}, err
	})
	return r.values, r.applied, err
}

// migrate runs in the evaluator.
func (t *Template) migrate(from string, cur map[string]any) (map[string]any, []Applied, error) {
	list := t.value.LookupPath(pathMigrations)
	if !list.Exists() {
		return cur, nil, nil
	}
	it, err := list.List()
	if err != nil {
		return nil, nil, cueError("migrations", err)
	}
	var applied []Applied
	for i := 0; it.Next(); i++ {
		var m Applied
		if err := it.Value().Decode(&m); err != nil {
			return nil, nil, cueError(fmt.Sprintf("migrations[%d]", i), err)
		}
		ok, err := MatchVersion(m.From, from)
		if err != nil {
			return nil, nil, fmt.Errorf("migrations[%d]: %w", i, err)
		}
		if !ok {
			continue
		}
		if cur, err = t.migrateOne(i, cur); err != nil {
			return nil, nil, err
		}
		applied = append(applied, m)
	}
	return cur, applied, nil
}

// migrateOne fills migrations[i].input and reads its output.
func (t *Template) migrateOne(i int, cur map[string]any) (map[string]any, error) {
	data, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("encode values: %w", err)
	}
	at := cue.MakePath(cue.Str("migrations"), cue.Index(i))
	m := t.value.FillPath(at.Append(cue.Str("input")), t.ctx.CompileBytes(data, cue.Filename(valuesFile)))
	out := m.LookupPath(at.Append(cue.Str("output")))
	if !out.Exists() {
		return nil, errs.Input("%s: migrations[%d] has no output", t.pos(cue.Str("migrations"), cue.Index(i)), i)
	}
	if err := out.Validate(cue.Concrete(true)); err != nil {
		return nil, cueError(fmt.Sprintf("migrations[%d].output", i), err)
	}
	return decodeJSON(out)
}

// Examples returns the template's examples.
func (t *Template) Examples(ctx context.Context) ([]Example, error) {
	return run(ctx, t, "read examples", func() ([]Example, error) {
		list := t.value.LookupPath(pathExamples)
		if !list.Exists() {
			return nil, nil
		}
		if err := list.Validate(cue.Concrete(true)); err != nil {
			return nil, cueError("examples", err)
		}
		var out []Example
		if err := list.Decode(&out); err != nil {
			return nil, cueError("examples", err)
		}
		for i := range out {
			out[i].Pos = t.pos(cue.Str("examples"), cue.Index(i))
			vals, err := NormalizeValues(out[i].Values)
			if err != nil {
				return nil, err
			}
			out[i].Values = vals
		}
		return out, nil
	})
}
