// Package validate checks values against JSON Schemas (draft-07 by default,
// with santhosh-tekuri/jsonschema) and reports failures the way the
// jsonschema npm library does, which is what Backstage returns in
// 400 {errors:[…]} bodies and action input errors.
package validate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Error is one failure, shaped like the jsonschema npm ValidationError.
type Error struct {
	Path     []any  `json:"path"`
	Property string `json:"property"`
	Message  string `json:"message"`
	Schema   any    `json:"schema"`
	Instance any    `json:"instance"`
	Name     string `json:"name"`
	Argument any    `json:"argument"`
	Stack    string `json:"stack"`
}

// Schema is a compiled schema plus its source, for error reports.
type Schema struct {
	compiled *jsonschema.Schema
	doc      any
}

// Compile compiles a schema given as a JSON value.
func Compile(schema any) (*Schema, error) {
	doc, err := roundTrip(schema)
	if err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource("mem://schema.json", doc); err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	sch, err := c.Compile("mem://schema.json")
	if err != nil {
		return nil, fmt.Errorf("compile schema: %w", err)
	}
	return &Schema{compiled: sch, doc: doc}, nil
}

// Validate returns the failures of instance, nil when it is valid.
func (s *Schema) Validate(instance any) []Error {
	inst, err := roundTrip(instance)
	if err != nil {
		return []Error{{Property: "instance", Message: err.Error(), Name: "type", Stack: "instance " + err.Error()}}
	}
	err = s.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []Error{{Property: "instance", Message: err.Error(), Stack: "instance " + err.Error()}}
	}
	var out []Error
	s.collect(ve, inst, &out)
	return out
}

// roundTrip makes v plain JSON with json.Number numbers, the form the
// validator compares exactly.
func roundTrip(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
}

func (s *Schema) collect(ve *jsonschema.ValidationError, inst any, out *[]Error) {
	switch ve.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf, *kind.Not:
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				s.collect(c, inst, out)
			}
			return
		}
	}
	for _, e := range s.describe(ve) {
		e.Path = make([]any, len(ve.InstanceLocation))
		prop := "instance"
		for i, seg := range ve.InstanceLocation {
			e.Path[i] = seg
			prop += "." + seg
		}
		e.Property = prop
		e.Instance = lookup(inst, ve.InstanceLocation)
		e.Schema = s.subschema(ve)
		e.Stack = prop + " " + e.Message
		*out = append(*out, e)
	}
}

// describe words one failure as jsonschema npm does.
func (s *Schema) describe(ve *jsonschema.ValidationError) []Error {
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		out := make([]Error, len(k.Missing))
		for i, m := range k.Missing {
			out[i] = Error{Name: "required", Argument: m, Message: fmt.Sprintf("requires property %q", m)}
		}
		return out
	case *kind.AdditionalProperties:
		out := make([]Error, len(k.Properties))
		for i, p := range k.Properties {
			out[i] = Error{Name: "additionalProperties", Argument: p, Message: fmt.Sprintf("is not allowed to have the additional property %q", p)}
		}
		return out
	case *kind.Type:
		return []Error{{Name: "type", Argument: k.Want, Message: "is not of a type(s) " + strings.Join(k.Want, ",")}}
	case *kind.Enum:
		parts := make([]string, len(k.Want))
		for i, w := range k.Want {
			parts[i] = fmt.Sprint(w)
		}
		return []Error{{Name: "enum", Argument: k.Want, Message: "is not one of enum values: " + strings.Join(parts, ",")}}
	case *kind.Const:
		return []Error{{Name: "const", Argument: k.Want, Message: fmt.Sprintf("does not exactly match expected constant: %v", k.Want)}}
	case *kind.MinLength:
		return []Error{{Name: "minLength", Argument: k.Want, Message: fmt.Sprintf("does not meet minimum length of %d", k.Want)}}
	case *kind.MaxLength:
		return []Error{{Name: "maxLength", Argument: k.Want, Message: fmt.Sprintf("does not meet maximum length of %d", k.Want)}}
	case *kind.MinItems:
		return []Error{{Name: "minItems", Argument: k.Want, Message: fmt.Sprintf("does not meet minimum length of %d", k.Want)}}
	case *kind.MaxItems:
		return []Error{{Name: "maxItems", Argument: k.Want, Message: fmt.Sprintf("does not meet maximum length of %d", k.Want)}}
	case *kind.Pattern:
		return []Error{{Name: "pattern", Argument: k.Want, Message: fmt.Sprintf("does not match pattern %q", k.Want)}}
	case *kind.Minimum:
		return []Error{{Name: "minimum", Argument: k.Want.FloatString(0), Message: "must be greater than or equal to " + ratString(k.Want.FloatString(6))}}
	case *kind.Maximum:
		return []Error{{Name: "maximum", Argument: k.Want.FloatString(0), Message: "must be less than or equal to " + ratString(k.Want.FloatString(6))}}
	case *kind.ExclusiveMinimum:
		return []Error{{Name: "exclusiveMinimum", Argument: ratString(k.Want.FloatString(6)), Message: "must be strictly greater than " + ratString(k.Want.FloatString(6))}}
	case *kind.ExclusiveMaximum:
		return []Error{{Name: "exclusiveMaximum", Argument: ratString(k.Want.FloatString(6)), Message: "must be strictly less than " + ratString(k.Want.FloatString(6))}}
	case *kind.Format:
		return []Error{{Name: "format", Argument: k.Want, Message: fmt.Sprintf("does not conform to the %q format", k.Want)}}
	case *kind.AnyOf:
		return []Error{{Name: "anyOf", Message: "is not any of the allowed subschemas"}}
	case *kind.OneOf:
		return []Error{{Name: "oneOf", Message: "is not exactly one from the allowed subschemas"}}
	}
	msg := ve.ErrorKind.LocalizedString(message.NewPrinter(language.English))
	path := ve.ErrorKind.KeywordPath()
	name := "schema"
	if len(path) > 0 {
		name = path[0]
	}
	return []Error{{Name: name, Message: msg}}
}

func ratString(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// subschema returns the schema object whose keyword failed.
func (s *Schema) subschema(ve *jsonschema.ValidationError) any {
	_, frag, _ := strings.Cut(ve.SchemaURL, "#")
	var path []string
	for _, seg := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if seg != "" {
			path = append(path, strings.NewReplacer("~1", "/", "~0", "~").Replace(seg))
		}
	}
	return lookup(s.doc, path)
}

func lookup(v any, path []string) any {
	cur := v
	for _, seg := range path {
		switch t := cur.(type) {
		case map[string]any:
			cur = t[seg]
		case []any:
			var i int
			fmt.Sscan(seg, &i)
			if i < 0 || i >= len(t) {
				return nil
			}
			cur = t[i]
		default:
			return nil
		}
	}
	return cur
}

// Summary joins failures as Backstage words them in action input errors:
// "instance.message is not of a type(s) string, instance is not …".
func Summary(errs []Error) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Stack
	}
	return strings.Join(parts, ", ")
}
