package validate

import (
	"encoding/json"
	"testing"
)

func TestSchema_Validate(t *testing.T) {
	t.Parallel()
	schema := map[string]any{
		"title":      "Basics",
		"required":   []any{"name"},
		"properties": map[string]any{"name": map[string]any{"type": "string", "ui:autofocus": true}, "n": map[string]any{"type": "number"}},
	}
	s, err := Compile(schema)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		instance  any
		wantStack []string
	}{
		{"valid", map[string]any{"name": "x", "n": 3}, nil},
		{"missing", map[string]any{}, []string{`instance requires property "name"`}},
		{"wrong type", map[string]any{"name": 3}, []string{`instance.name is not of a type(s) string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.Validate(tt.instance)
			if len(got) != len(tt.wantStack) {
				b, _ := json.Marshal(got)
				t.Fatalf("Validate() = %s, want %v", b, tt.wantStack)
			}
			for i, e := range got {
				if e.Stack != tt.wantStack[i] {
					t.Errorf("error %d stack = %q, want %q", i, e.Stack, tt.wantStack[i])
				}
			}
		})
	}
	got := s.Validate(map[string]any{})
	b, _ := json.Marshal(got[0])
	want := `{"path":[],"property":"instance","message":"requires property \"name\"","schema":{"properties":{"n":{"type":"number"},"name":{"type":"string","ui:autofocus":true}},"required":["name"],"title":"Basics"},"instance":{},"name":"required","argument":"name","stack":"instance requires property \"name\""}`
	if string(b) != want {
		t.Errorf("required error = %s\nwant %s", b, want)
	}
	strict, _ := Compile(map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{"message": map[string]any{"type": "string"}}})
	if s := Summary(strict.Validate(map[string]any{"message": 1, "bogus": true})); s != `instance.message is not of a type(s) string, instance is not allowed to have the additional property "bogus"` &&
		s != `instance is not allowed to have the additional property "bogus", instance.message is not of a type(s) string` {
		t.Errorf("Summary() = %s", s)
	}
}

// TestSchema_ValidateConditional: an if/then case (a stack template's
// guardrail exported into the form) fails on its field, worded as the
// jsonschema npm library words exclusive bounds; a keyword without a
// wording of its own still gets a message.
func TestSchema_ValidateConditional(t *testing.T) {
	t.Parallel()
	s, err := Compile(map[string]any{
		"properties": map[string]any{"replicas": map[string]any{"type": "integer"}, "spare": map[string]any{"type": "integer", "multipleOf": 2}},
		"allOf": []any{map[string]any{
			"if":   map[string]any{"properties": map[string]any{"replicas": map[string]any{"const": 2}}, "required": []any{"replicas"}},
			"then": map[string]any{"properties": map[string]any{"spare": map[string]any{"exclusiveMaximum": 2, "errorMessage": "spare (${0}) must be below 2"}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Validate(map[string]any{"replicas": 2, "spare": 2})
	if len(got) != 1 || got[0].Stack != "instance.spare must be strictly less than 2" || got[0].Name != "exclusiveMaximum" {
		t.Fatalf("Validate() = %+v", got)
	}
	if got := s.Validate(map[string]any{"replicas": 3, "spare": 2}); got != nil {
		t.Fatalf("the case applies to replicas 3: %+v", got)
	}
	if got := s.Validate(map[string]any{"replicas": 3, "spare": 3}); len(got) != 1 || got[0].Name != "multipleOf" || got[0].Message == "" {
		t.Fatalf("multipleOf = %+v", got)
	}
}
