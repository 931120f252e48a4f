package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/templating"
)

// iteration is one run of a step's action: once, or once per each item.
type iteration struct {
	each  map[string]any // {key, value}, nil without each
	input map[string]any
}

// execute evaluates a started step's if and each, validates every
// iteration's input, runs the action and records its output.
func (r *Runner) execute(ctx context.Context, st *runState, step *Step) error {
	data := st.data(true, nil)
	if step.If != nil {
		cond := step.If
		if s, ok := cond.(string); ok {
			v, err := r.engine.RenderValue(ctx, s, data)
			if err != nil {
				return err
			}
			cond = v
		}
		if !templating.Truthy(cond) {
			st.emit(ctx, Body{StepID: step.ID, Status: StatusSkipped, Message: fmt.Sprintf("Skipping step %s because its if condition was false", step.ID)})
			return nil
		}
	}
	action, err := r.actions.Get(step.Action)
	if err != nil {
		return err
	}
	iters, err := r.iterations(ctx, st, step)
	if err != nil {
		return err
	}
	if st.run.DryRun && !r.dryRunCheck(ctx, st, step, action.Describe(), iters[0].input) {
		return nil
	}
	outputs := map[string]any{}
	for _, it := range iters {
		if it.each != nil {
			st.emit(ctx, Body{StepID: step.ID, Message: "Running step each: " + mustJSON(it.each)})
		}
		ac := &actions.Context{TaskID: st.run.TaskID, StepID: step.ID, Input: it.input, Workspace: st.run.Workspace,
			Secrets: st.run.Secrets, DryRun: st.run.DryRun, TemplateInfo: templateInfo(st.run.Spec), User: user(st.run.Spec),
			Log: func(msg string) { st.emit(ctx, Body{StepID: step.ID, Message: msg}) }}
		if err := action.Run(ctx, ac); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for k, v := range ac.Outputs() {
			if it.each == nil {
				outputs[k] = v
			} else {
				list, _ := outputs[k].([]any)
				outputs[k] = append(list, v)
			}
		}
	}
	return r.finish(ctx, st, step, outputs)
}

// dryRunCheck logs the inputs a dry run would pass and reports whether the
// action supports dry runs; one that does not is skipped with fake outputs.
func (r *Runner) dryRunCheck(ctx context.Context, st *runState, step *Step, desc actions.Description, input map[string]any) bool {
	st.emit(ctx, Body{StepID: step.ID, Message: "\u001b[32minfo\u001b[39m: Running " + step.Action +
		" in dry-run mode with inputs (secrets redacted): " + indentJSON(st.redactor.Replace(mustJSON(input)))})
	if desc.SupportsDryRun {
		return true
	}
	st.steps[step.ID] = map[string]any{"output": fakeOutput(desc.Output)}
	st.emit(ctx, Body{StepID: step.ID, Status: StatusSkipped, Message: "Skipping because " + step.Action + " does not support dry-run"})
	return false
}

// finish records a step's output and announces it.
func (r *Runner) finish(ctx context.Context, st *runState, step *Step, outputs map[string]any) error {
	st.steps[step.ID] = map[string]any{"output": outputs}
	st.run.State.Steps[step.ID] = StepState{Status: StatusCompleted, Output: redactValue(st.redactor, outputs).(map[string]any)}
	if st.run.SaveState != nil {
		if err := st.run.SaveState(context.WithoutCancel(ctx), st.run.State); err != nil {
			return err
		}
	}
	st.emit(ctx, Body{StepID: step.ID, Status: StatusCompleted, Message: "Finished step " + step.Name})
	return nil
}

// iterations renders the step's input once, or once per each item, and
// validates every rendered input before any runs.
func (r *Runner) iterations(ctx context.Context, st *runState, step *Step) ([]iteration, error) {
	items := []map[string]any{nil}
	if step.Each != nil {
		var err error
		if items, err = r.eachItems(ctx, st, step); err != nil {
			return nil, err
		}
	}
	out := make([]iteration, 0, len(items))
	for _, each := range items {
		v, err := r.engine.RenderValue(ctx, anyMap(step.Input), st.data(true, each))
		if err != nil {
			return nil, err
		}
		input, _ := v.(map[string]any)
		label := step.Action
		if each != nil {
			label = fmt.Sprintf("%s[%v]", step.Action, each["key"])
		}
		if err := r.actions.ValidateInput(step.Action, label, input); err != nil {
			return nil, err
		}
		out = append(out, iteration{each: each, input: input})
	}
	return out, nil
}

func (r *Runner) eachItems(ctx context.Context, st *runState, step *Step) ([]map[string]any, error) {
	v := step.Each
	if s, ok := v.(string); ok {
		rendered, err := r.engine.RenderValue(ctx, s, st.data(true, nil))
		if err != nil {
			return nil, err
		}
		v = rendered
	}
	switch t := v.(type) {
	case []any:
		items := make([]map[string]any, len(t))
		for i, item := range t {
			items[i] = map[string]any{"key": strconv.Itoa(i), "value": item}
		}
		return items, nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		items := make([]map[string]any, len(keys))
		for i, k := range keys {
			items[i] = map[string]any{"key": k, "value": t[k]}
		}
		return items, nil
	}
	return nil, errs.Input("Invalid value on action %s.each parameter, %q cannot be resolved to a value", step.Action, fmt.Sprint(step.Each))
}

// data is the templating context of the run's steps.
func (st *runState) data(withSecrets bool, each map[string]any) map[string]any {
	spec := st.run.Spec
	failed := st.failed != nil
	d := map[string]any{
		"parameters": anyMap(spec.Parameters),
		"steps":      st.steps,
		"user":       map[string]any{"entity": spec.User.Entity, "ref": spec.User.Ref},
		"context":    map[string]any{"task": map[string]any{"id": st.run.TaskID}},
		"always":     func() bool { return true },
		"failure":    func() bool { return failed },
	}
	if withSecrets {
		secrets := make(map[string]any, len(st.run.Secrets))
		for k, v := range st.run.Secrets {
			secrets[k] = v
		}
		d["secrets"] = secrets
	}
	if each != nil {
		d["each"] = each
	}
	return d
}

// renderOutput renders spec.output without secrets. links and text items
// whose if is falsy, or undefined, are dropped.
func (r *Runner) renderOutput(ctx context.Context, st *runState) (map[string]any, error) {
	data := st.data(false, nil)
	out := map[string]any{}
	for k, v := range st.run.Spec.Output {
		if list, ok := v.([]any); ok && (k == "links" || k == "text") {
			kept := []any{}
			for _, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					continue
				}
				if cond, has := m["if"]; has {
					c, err := r.engine.RenderValue(ctx, cond, data)
					if err != nil || !templating.Truthy(c) {
						continue
					}
				}
				rest := make(map[string]any, len(m))
				for mk, mv := range m {
					if mk != "if" {
						rest[mk] = mv
					}
				}
				rendered, err := r.engine.RenderValue(ctx, rest, data)
				if err != nil {
					return nil, err
				}
				kept = append(kept, rendered)
			}
			out[k] = kept
			continue
		}
		rendered, err := r.engine.RenderValue(ctx, v, data)
		if err != nil {
			return nil, err
		}
		if rendered != templating.Undefined {
			out[k] = rendered
		}
	}
	return out, nil
}

func templateInfo(s *Spec) actions.TemplateInfo {
	return actions.TemplateInfo{EntityRef: s.TemplateInfo.EntityRef, BaseURL: s.TemplateInfo.BaseURL, Entity: s.TemplateInfo.Entity}
}

func user(s *Spec) actions.User { return actions.User{Ref: s.User.Ref, Entity: s.User.Entity} }

func anyMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func indentJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// fakeOutput makes dry-run outputs from an output schema: each property's
// first example, or a placeholder of its type.
func fakeOutput(schema map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := schema["properties"].(map[string]any)
	for k, p := range props {
		pm, _ := p.(map[string]any)
		if ex, ok := pm["examples"].([]any); ok && len(ex) > 0 {
			out[k] = ex[0]
			continue
		}
		switch pm["type"] {
		case "number", "integer":
			out[k] = 0
		case "boolean":
			out[k] = false
		default:
			out[k] = "<example>"
		}
	}
	return out
}
