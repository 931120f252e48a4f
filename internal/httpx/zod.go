package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/stackyard/stackyard/internal/errs"
)

// Refiner is implemented by request bodies that Backstage checks a second
// time in the route handler, with zod, after the request validator passed
// them. BindBody calls Refine with the decoded JSON document.
type Refiner interface {
	Refine(doc map[string]any) error
}

// ZodIssue is one issue of a zod validation error. Its members are kept in
// zod's order, because Backstage puts the issues into the error message as
// JSON.stringify(issues, null, 2).
type ZodIssue []Member

// Member is one member of a JSON object written in a fixed order.
type Member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (z ZodIssue) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range z {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		v, err := marshalJS(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ZodError returns the InputError Backstage raises for failed zod checks:
// prefix followed by the issues as indented JSON.
func ZodError(prefix string, issues []ZodIssue) error {
	js, err := marshalJS(issues)
	if err != nil {
		return fmt.Errorf("format zod issues: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, js, "", "  "); err != nil {
		return fmt.Errorf("format zod issues: %w", err)
	}
	return errs.Input("%s%s", prefix, out.String())
}

// ZodInvalidType is zod's issue for a value of the wrong type at path.
func ZodInvalidType(path []any, expected string, got any) ZodIssue {
	received := ZodType(got)
	message := fmt.Sprintf("Expected %s, received %s", expected, received)
	if received == "undefined" {
		message = "Required"
	}
	return ZodIssue{{"code", "invalid_type"}, {"expected", expected}, {"received", received}, {"path", path}, {"message", message}}
}

// ZodUnrecognizedKeys is the issue of a strict zod object with extra keys.
func ZodUnrecognizedKeys(path []any, keys []string) ZodIssue {
	quoted := ""
	for i, k := range keys {
		if i > 0 {
			quoted += ", "
		}
		quoted += "'" + k + "'"
	}
	return ZodIssue{{"code", "unrecognized_keys"}, {"keys", keys}, {"path", path}, {"message", "Unrecognized key(s) in object: " + quoted}}
}

// ZodLiteralUnion is the issue of a union of string literals that got none
// of them.
func ZodLiteralUnion(path []any, got any, literals ...string) ZodIssue {
	unionErrors := make([]ZodIssue, len(literals))
	for i, l := range literals {
		lit, _ := marshalJS(l)
		literal := ZodIssue{{"received", got}, {"code", "invalid_literal"}, {"expected", l}, {"path", path},
			{"message", "Invalid literal value, expected " + string(lit)}}
		unionErrors[i] = ZodIssue{{"issues", []ZodIssue{literal}}, {"name", "ZodError"}}
	}
	return ZodIssue{{"code", "invalid_union"}, {"unionErrors", unionErrors}, {"path", path}, {"message", "Invalid input"}}
}

// ZodType names the type of a decoded JSON value as zod does; a missing
// value (nil from a map lookup that failed) is "undefined".
func ZodType(v any) string {
	switch v.(type) {
	case nil:
		return "undefined"
	case jsonNull:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// jsonNull stands for an explicit JSON null, which ZodType tells apart from
// a missing member.
type jsonNull struct{}

// MarshalJSON writes null.
func (jsonNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// Lookup returns the member k of doc, or nil when it is missing; an
// explicit null is returned as a value that ZodType calls "null".
func Lookup(doc map[string]any, k string) any {
	v, ok := doc[k]
	if ok && v == nil {
		return jsonNull{}
	}
	return v
}

// marshalJS serialises like JSON.stringify: no HTML escaping.
func marshalJS(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
