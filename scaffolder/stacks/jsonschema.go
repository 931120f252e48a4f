package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"
)

// maxSchemaDepth bounds how deeply nested structs are exported.
const maxSchemaDepth = 8

// ParametersSchema returns the parameters as one JSON Schema object, fields
// in declaration order, with "required" listing the name! fields. Each field
// carries its default, its doc comment as description and its @ui hints as
// ui: keys, which the Backstage form reads from the schema.
func (t *Template) ParametersSchema() Object {
	return t.pageSchema(t.Title, t.params, nil)
}

// Pages returns the form as Backstage template parameters: one JSON Schema
// per @ui(page=...) value, in order of first use. Fields without a page go
// on the first page, which is titled after the template.
func (t *Template) Pages() []Object {
	var order []string
	byPage := map[string][]Param{}
	for _, p := range t.params {
		page := p.Page
		if page == "" && len(order) > 0 {
			page = order[0]
		}
		if _, ok := byPage[page]; !ok {
			order = append(order, page)
		}
		byPage[page] = append(byPage[page], p)
	}
	out := make([]Object, 0, len(order))
	earlier := map[string]bool{}
	for _, page := range order {
		title := page
		if title == "" {
			title = t.Title
		}
		out = append(out, t.pageSchema(title, byPage[page], earlier))
		for _, p := range byPage[page] {
			earlier[p.Name] = true
		}
	}
	return out
}

// pageSchema builds the object schema of a list of parameters, with the
// guardrails the form can check on this page (earlier: the fields of the
// pages before it).
func (t *Template) pageSchema(title string, params []Param, earlier map[string]bool) Object {
	props := Object{}
	required := []string{}
	for _, p := range params {
		props = append(props, Member{p.Name, p.Schema})
		if p.Required {
			required = append(required, p.Name)
		}
	}
	s := Object{{"title", title}, {"type", "object"}}
	if len(required) > 0 {
		s.Set("required", required)
	}
	s.Set("properties", props)
	s.Set("ui:order", fieldOrder(props))
	if rules := t.formSchema(params, earlier); len(rules) > 0 {
		s.Set("allOf", rules)
	}
	return s
}

// fieldOrder is the ui:order of an object's properties: the form draws
// them in CUE declaration order even where the schema reaches it through
// JSON that lost its key order.
func fieldOrder(props Object) []string {
	out := make([]string, len(props))
	for i, m := range props {
		out[i] = m.Key
	}
	return out
}

// schemaOf maps a CUE value to JSON Schema: its type, bounds, pattern,
// enum, doc comment and, for structs and lists, what they hold.
func schemaOf(v cue.Value, depth int) Object {
	s := Object{}
	if doc := docText(v); doc != "" {
		s.Set("description", doc)
	}
	switch k := v.IncompleteKind(); {
	case k == cue.StringKind:
		s.Set("type", "string")
	case k == cue.IntKind:
		s.Set("type", "integer")
	case k == cue.FloatKind || k == cue.NumberKind:
		s.Set("type", "number")
	case k == cue.BoolKind:
		s.Set("type", "boolean")
	case k == cue.ListKind:
		s.Set("type", "array")
		if depth < maxSchemaDepth {
			s.Set("items", schemaOf(v.LookupPath(cue.MakePath(cue.AnyIndex)), depth+1))
		}
	case k == cue.StructKind:
		s = append(s, structSchema(v, depth)...)
	}
	c := &constraints{schema: &s}
	c.walk(v, 0)
	return s
}

// structSchema exports the fields of a nested struct.
func structSchema(v cue.Value, depth int) Object {
	s := Object{{"type", "object"}}
	if depth >= maxSchemaDepth {
		return s
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return s
	}
	props, required := Object{}, []string{}
	for it.Next() {
		sel := it.Selector()
		if sel.IsDefinition() {
			continue
		}
		fs := schemaOf(it.Value(), depth+1)
		if d, ok := concreteDefault(it.Value()); ok {
			fs.Set("default", d)
		}
		props = append(props, Member{sel.Unquoted(), fs})
		if sel.ConstraintType() == cue.RequiredConstraint {
			required = append(required, sel.Unquoted())
		}
	}
	s.Set("properties", props)
	if len(props) > 1 {
		s.Set("ui:order", fieldOrder(props))
	}
	if len(required) > 0 {
		s.Set("required", required)
	}
	return s
}

// docText joins the doc comments of v.
func docText(v cue.Value) string {
	var parts []string
	for _, cg := range v.Doc() {
		if t := strings.TrimSpace(cg.Text()); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n")
}

// constraints collects bounds, patterns and enums from a CUE expression.
type constraints struct {
	schema *Object
}

// walk visits the expression tree of v.
func (c *constraints) walk(v cue.Value, depth int) {
	if depth > maxSchemaDepth {
		return
	}
	op, args := v.Expr()
	switch op {
	case cue.AndOp:
		for _, a := range args {
			c.walk(a, depth+1)
		}
	case cue.OrOp:
		c.enum(args)
	case cue.GreaterThanEqualOp, cue.GreaterThanOp, cue.LessThanEqualOp, cue.LessThanOp:
		c.bound(op, args)
	case cue.RegexMatchOp:
		if len(args) == 1 {
			if p, err := args[0].String(); err == nil {
				c.schema.Set("pattern", p)
			}
		}
	case cue.NotEqualOp:
		if len(args) == 1 {
			if s, err := args[0].String(); err == nil && s == "" {
				c.schema.Set("minLength", 1)
			}
		}
	case cue.CallOp:
		c.call(args)
	case cue.NoOp:
		if len(args) == 1 && !sameValue(args[0], v) {
			c.walk(args[0], depth+1)
		}
	}
}

// sameValue reports whether a is v as printed; Expr returns a leaf as its
// own single argument.
func sameValue(a, v cue.Value) bool { return fmt.Sprint(a) == fmt.Sprint(v) }

// enum sets enum when every branch of a disjunction is a concrete scalar.
func (c *constraints) enum(args []cue.Value) {
	var values []any
	for _, a := range args {
		if !a.IsConcrete() || a.Kind() == cue.StructKind || a.Kind() == cue.ListKind {
			return
		}
		b, err := a.MarshalJSON()
		if err != nil {
			return
		}
		var x any
		if json.Unmarshal(b, &x) != nil {
			return
		}
		values = append(values, x)
	}
	if len(values) > 1 {
		c.schema.Set("enum", values)
	}
}

// bound sets minimum, maximum and their exclusive forms, keeping the
// tightest of several (uint adds >=0 next to >=1).
func (c *constraints) bound(op cue.Op, args []cue.Value) {
	if len(args) != 1 {
		return
	}
	n, err := args[0].Float64()
	if err != nil {
		return
	}
	key, tighter := map[cue.Op]string{
		cue.GreaterThanEqualOp: "minimum", cue.GreaterThanOp: "exclusiveMinimum",
		cue.LessThanEqualOp: "maximum", cue.LessThanOp: "exclusiveMaximum",
	}[op], func(old, n float64) bool { return n > old }
	if op == cue.LessThanEqualOp || op == cue.LessThanOp {
		tighter = func(old, n float64) bool { return n < old }
	}
	if old, ok := c.schema.Get(key); ok && !tighter(toFloat(old), n) {
		return
	}
	c.schema.Set(key, jsonNumber(n))
}

// call maps strings.MinRunes/MaxRunes and list.MinItems/MaxItems.
func (c *constraints) call(args []cue.Value) {
	if len(args) != 2 {
		return
	}
	n, err := args[1].Int64()
	if err != nil {
		return
	}
	key := map[string]string{
		"strings.MinRunes": "minLength", "strings.MaxRunes": "maxLength",
		"list.MinItems": "minItems", "list.MaxItems": "maxItems",
	}[fmt.Sprint(args[0])]
	if key != "" {
		c.schema.Set(key, n)
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// jsonNumber keeps whole numbers integral in the JSON.
func jsonNumber(n float64) any {
	if n == float64(int64(n)) {
		return int64(n)
	}
	return n
}
