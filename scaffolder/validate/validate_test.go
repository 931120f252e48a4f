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
