package stacks

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
)

// Guardrails in the form.
//
// A guardrail is CUE and has the final word at launch. Where its fields
// have small finite domains, Stackyard also exports it into the form's
// JSON Schema, so the stock Backstage form shows its message under the
// field before anything is sent. The export is computed, not written: the
// guardrail is evaluated by CUE for every combination of its fields'
// values, and what it allows is written as if/then cases. No rule is
// copied out of the CUE by hand, and a guardrail the export cannot capture
// exactly is left to the launch.

// Bounds of the export.
const (
	// probeWindow is how many values of an integer field with only a
	// lower bound are tried, from that bound up: past twice the largest
	// value its condition fields can take.
	probeWindow = 48
	// maxProbes bounds the CUE evaluations spent on one guardrail.
	maxProbes = 2048
	// maxDomain is the largest finite domain a condition field may have.
	maxDomain = 64
)

// formRule is a guardrail as the form can check it: for each combination
// of its condition fields' values, the constraint on its target field.
type formRule struct {
	Guardrail string
	Target    string
	Conds     []string
	Cases     []formCase
}

// formCase constrains the target when the condition fields hold When.
type formCase struct {
	When       []any // by Conds
	Constraint Object
}

// domain is the values a field can take, when there are few enough.
type domain struct {
	values []any
	open   bool // an integer with a lower bound only: values is a window
}

// domainOf reads a parameter's finite domain from its exported schema:
// an enum, a boolean, or an integer with both bounds (or only a lower
// one, open).
func domainOf(p Param) (domain, bool) {
	if e, ok := p.Schema.Get("enum"); ok {
		if vs, ok := e.([]any); ok && len(vs) <= maxDomain {
			return domain{values: vs}, true
		}
		return domain{}, false
	}
	typ, _ := p.Schema.Get("type")
	switch typ {
	case "boolean":
		return domain{values: []any{false, true}}, true
	case "integer":
	default:
		return domain{}, false
	}
	lo, hasLo := intBound(p.Schema, "minimum", "exclusiveMinimum", 1)
	hi, hasHi := intBound(p.Schema, "maximum", "exclusiveMaximum", -1)
	if !hasLo {
		return domain{}, false
	}
	d := domain{open: !hasHi}
	if d.open {
		hi = lo + probeWindow - 1
	}
	if hi-lo+1 > maxDomain || hi < lo {
		return domain{}, false
	}
	for v := lo; v <= hi; v++ {
		d.values = append(d.values, v)
	}
	return d, true
}

func intBound(s Object, inclusive, exclusive string, step int64) (int64, bool) {
	if v, ok := s.Get(inclusive); ok {
		return int64(math.Ceil(toFloat(v)*float64(step))) * step, true
	}
	if v, ok := s.Get(exclusive); ok {
		f := toFloat(v)
		if step > 0 {
			return int64(math.Floor(f)) + 1, true
		}
		return int64(math.Ceil(f)) - 1, true
	}
	return 0, false
}

// formRules returns the guardrails exported into the form, computing them
// on first use: only a version that is published needs them.
func (t *Template) formRules() []formRule {
	t.rulesOnce.Do(func() {
		t.rules, _ = run(context.Background(), t, "export guardrails", func() ([]formRule, error) {
			return t.exportGuardrails(), nil
		})
	})
	return t.rules
}

// exportGuardrails computes the form rules of every guardrail that can be
// exported; it runs in the evaluator.
func (t *Template) exportGuardrails() []formRule {
	it, err := t.value.LookupPath(pathGuardrails).Fields()
	if err != nil {
		return nil
	}
	params, ok := t.raw.LookupPath(pathParameters).Syntax(cue.Raw()).(ast.Expr)
	if !ok {
		return nil
	}
	var out []formRule
	for it.Next() {
		var fields []string
		if err := it.Value().LookupPath(cue.ParsePath("fields")).Decode(&fields); err != nil || len(fields) == 0 {
			continue
		}
		id := it.Selector().Unquoted()
		g, ok := t.raw.LookupPath(cue.MakePath(cue.Str("guardrails"), cue.Str(id))).Syntax(cue.Raw()).(ast.Expr)
		if !ok {
			continue
		}
		// The guardrail alone beside the parameters, in a context of its
		// own: probing it costs a fifth of probing the whole template. One
		// that needs anything else (a hidden field, an import) fails to
		// build and stays with the launch.
		probe := cuecontext.New().BuildExpr(&ast.StructLit{Elts: []ast.Decl{
			&ast.Field{Label: ast.NewIdent("parameters"), Value: params},
			&ast.Field{Label: ast.NewIdent("guardrail"), Value: g},
		}})
		if probe.Err() != nil {
			continue
		}
		if r, ok := t.exportGuardrail(probe, id, fields); ok {
			out = append(out, r)
		}
	}
	return out
}

// exportGuardrail probes one guardrail over its fields' domains. The
// target is the one open field, or else the first field; every other
// field must be finite.
func (t *Template) exportGuardrail(probe cue.Value, id string, fields []string) (formRule, bool) {
	doms := map[string]domain{}
	target := ""
	for _, f := range fields {
		p, ok := t.Param(f)
		if !ok {
			return formRule{}, false
		}
		d, ok := domainOf(p)
		if !ok {
			return formRule{}, false
		}
		doms[f] = d
		if d.open {
			if target != "" {
				return formRule{}, false
			}
			target = f
		}
	}
	if target == "" {
		target = fields[0]
	}
	r := formRule{Guardrail: id, Target: target}
	for _, f := range fields {
		if f != target {
			r.Conds = append(r.Conds, f)
		}
	}
	combos := [][]any{{}}
	for _, f := range r.Conds {
		var next [][]any
		for _, c := range combos {
			for _, v := range doms[f].values {
				next = append(next, append(slices.Clone(c), v))
			}
		}
		combos = next
	}
	if len(combos)*len(doms[target].values) > maxProbes {
		return formRule{}, false
	}
	for _, when := range combos {
		c, ok := probeCase(probe, r, when, doms[target])
		if !ok {
			return formRule{}, false
		}
		if c != nil {
			r.Cases = append(r.Cases, formCase{When: when, Constraint: c})
		}
	}
	return r, len(r.Cases) > 0
}

// probeCase evaluates the guardrail for every target value under one
// combination of conditions. It returns the target's constraint (nil when
// every value holds) and false when the guardrail cannot be exported: it
// is not concrete on these fields alone, or an open field's allowed values
// are not a range the window can vouch for.
func probeCase(probe cue.Value, r formRule, when []any, target domain) (Object, bool) {
	var allowed []any
	failed := map[int64]string{} // failing integer value → message
	firstMsg := ""
	for _, tv := range target.values {
		vals := map[string]any{r.Target: tv}
		for i, f := range r.Conds {
			vals[f] = when[i]
		}
		ok, msg, err := probeOnce(probe, vals)
		if err != nil {
			return nil, false
		}
		if ok {
			allowed = append(allowed, tv)
			continue
		}
		if firstMsg == "" {
			firstMsg = msg
		}
		if n, isInt := tv.(int64); isInt {
			failed[n] = msg
		}
	}
	if len(allowed) == len(target.values) {
		return nil, true
	}
	c := Object{}
	switch {
	case len(allowed) == 0:
		c.Set("not", Object{})
	case isIntRange(allowed):
		lo, hi := allowed[0].(int64), allowed[len(allowed)-1].(int64)
		first, last := target.values[0].(int64), target.values[len(target.values)-1].(int64)
		if target.open && hi == last {
			return nil, false // allowed up to the window's end: unknown beyond
		}
		if lo > first {
			c.Set("exclusiveMinimum", lo-1)
		}
		if hi < last || target.open {
			c.Set("exclusiveMaximum", hi+1)
		}
	case target.open:
		return nil, false
	default:
		c.Set("enum", allowed)
	}
	c.Set("errorMessage", messageTemplate(failed, firstMsg))
	return c, true
}

// probeOnce evaluates a guardrail probe with some parameters filled.
func probeOnce(probe cue.Value, vals map[string]any) (bool, string, error) {
	g := probe.FillPath(pathParameters, vals).LookupPath(cue.ParsePath("guardrail"))
	ok, err := g.LookupPath(cue.ParsePath("ok")).Bool()
	if err != nil {
		return false, "", err
	}
	msg, err := g.LookupPath(cue.ParsePath("message")).String()
	return ok, msg, err
}

func isIntRange(vs []any) bool {
	for i, v := range vs {
		n, ok := v.(int64)
		if !ok || (i > 0 && n != vs[i-1].(int64)+1) {
			return false
		}
	}
	return true
}

// messageTemplate turns the guardrail's messages for failing integer
// values into one the form fills with the value typed (ajv-errors' ${0}),
// when every failing message is the same text around the value; otherwise
// it is the message of the first failing value.
func messageTemplate(failed map[int64]string, firstMsg string) string {
	for v, msg := range failed {
		num := fmt.Sprint(v)
		if strings.Count(msg, num) != 1 {
			continue
		}
		tmpl := strings.Replace(msg, num, "${0}", 1)
		for w, other := range failed {
			if strings.Replace(tmpl, "${0}", fmt.Sprint(w), 1) != other {
				return firstMsg
			}
		}
		if len(failed) > 1 {
			return tmpl
		}
	}
	return firstMsg
}

// formSchema is the allOf of if/then cases that puts the rules targeting
// one of params on their page. A rule goes on its target's page when its
// condition fields are on that page or an earlier one, which the form has
// values for.
func (t *Template) formSchema(params []Param, earlier map[string]bool) []any {
	here := map[string]bool{}
	for _, p := range params {
		here[p.Name] = true
	}
	var out []any
	for _, r := range t.formRules() {
		if !here[r.Target] {
			continue
		}
		known := true
		for _, f := range r.Conds {
			known = known && (here[f] || earlier[f])
		}
		if !known {
			continue
		}
		for _, c := range r.Cases {
			props, required := Object{}, []string{}
			for i, f := range r.Conds {
				props.Set(f, Object{{"const", c.When[i]}})
				required = append(required, f)
			}
			cond := Object{{"properties", props}}
			if len(required) > 0 {
				cond.Set("required", required)
			}
			out = append(out, Object{{"if", cond}, {"then", Object{{"properties", Object{{r.Target, c.Constraint}}}}}})
		}
	}
	return out
}
