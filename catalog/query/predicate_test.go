package query

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

func TestParsePredicate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string // want "" means the input comes back unchanged
	}{
		{"empty is the zero predicate", `{}`, ``},
		{"equality", `{"kind":"Component"}`, ``},
		{"several fields", `{"kind":"component","spec.type":"service"}`, ``},
		{"number and boolean", `{"spec.replicas":7,"spec.enabled":true,"spec.ratio":1.50}`, ``},
		{"$exists", `{"spec.owner":{"$exists":false}}`, ``},
		{"$in", `{"kind":{"$in":["api",2,false]}}`, ``},
		{"empty $in", `{"kind":{"$in":[]}}`, ``},
		{"$hasPrefix", `{"metadata.name":{"$hasPrefix":"SVC"}}`, ``},
		{"$contains primitive", `{"metadata.tags":{"$contains":"java"}}`, ``},
		{"$contains relation", `{"relations":{"$contains":{"type":"memberOf","targetRef":"group:default/guests"}}}`, ``},
		{"$contains relation $in", `{"relations":{"$contains":{"type":"ownedBy","targetRef":{"$in":["a","b"]}}}}`, ``},
		{"$contains relation without target", `{"Relations":{"$contains":{"Type":"ownedBy"}}}`, `{"Relations":{"$contains":{"type":"ownedBy"}}}`},
		{"logical", `{"$all":[{"kind":{"$in":["component","api"]}},{"$not":{"spec.lifecycle":"production"}}]}`, ``},
		{"empty $all and $any", `{"$any":[{"$all":[]},{"$any":[]},{}]}`, ``},
		{"first valid operator wins, others ignored", `{"a":{"$exists":"no","$in":["x"],"$foo":1}}`, `{"a":{"$in":["x"]}}`},
		{"duplicate keys keep the last value", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"empty key", `{"":"x"}`, ``},
		{"escapes", `{"a\"b":"c\\d\n"}`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePredicate(json.RawMessage(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if tt.in == `{}` {
				if !p.IsZero() {
					t.Errorf("{} is not the zero predicate")
				}
				want = `{}`
			}
			if got := p.String(); got != want {
				t.Errorf("ParsePredicate(%s) = %s, want %s", tt.in, got, want)
			}
		})
	}
}

func TestParsePredicate_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // a prefix of the message
	}{
		{`[]`, "Invalid query: Validation error: Expected object, received array"},
		{`"kind"`, "Invalid query: Validation error: Expected object, received string"},
		{`null`, "Invalid query: Validation error: Expected object, received null"},
		{`{"kind":{"$regex":"x"}}`, `Invalid query: Validation error: Expected a primitive value or one of $exists, $in, $contains, $hasPrefix, received object at "kind"`},
		{`{"$regex":"x"}`, `Invalid query: Validation error: Unknown operator "$regex" at "$regex"`},
		{`{"$all":[],"kind":"x"}`, `Invalid query: Validation error: Logical operators must stand alone in their object`},
		{`{"$all":{}}`, `Invalid query: Validation error: Expected array, received object at "$all"`},
		{`{"$not":[]}`, `Invalid query: Validation error: Expected object, received array at "$not"`},
		{`{"$any":[{"a":1},"b"]}`, `Invalid query: Validation error: Expected object, received string at "$any.1"`},
		{`{"kind":null}`, `Invalid query: Validation error: Expected a primitive value`},
		{`{"kind":["a"]}`, `Invalid query: Validation error: Expected a primitive value`},
		{`{"kind":{"$exists":"yes"}}`, `Invalid query: Validation error: Expected a primitive value`},
		{`{"kind":{"$in":[null]}}`, `Invalid query: Validation error: Expected a primitive value`},
		{`{"kind":{"$hasPrefix":1}}`, `Invalid query: Validation error: Expected a primitive value`},
		{`{"a\nb":"x"}`, `Invalid query: Validation error: Invalid field key`},
		{`{"kind":"a"`, `Invalid query: `},
		{`{"kind":"a"} x`, `Invalid query: unexpected data after the JSON value`},
		{strings.Repeat(`{"$not":`, 70) + `{}` + strings.Repeat(`}`, 70), `Invalid query: nesting too deep`},
		{`{"metadata.tags":{"$contains":{"a":"b"}}}`, `Object form of $contains is not supported for field "metadata.tags"`},
		{`{"relations":{"$contains":{"targetRef":"x"}}}`, `The $contains operator for "relations" requires a "type" string property`},
		{`{"relations":{"$contains":{"type":""}}}`, `The $contains operator for "relations" requires a "type" string property`},
		{`{"relations":{"$contains":{"type":1}}}`, `The $contains operator for "relations" requires a "type" string property`},
		{`{"relations":{"$contains":{"type":"a","Type":"b"}}}`, `Duplicate key "Type" in $contains for "relations"`},
		{`{"relations":{"$contains":{"type":"a","other":"b"}}}`, `Unsupported key "other" in $contains for "relations". Only "type" and "targetRef" are supported`},
		{`{"relations":{"$contains":{"type":"a","targetRef":{"$in":[]}}}}`, `Empty "$in" array for $contains on "relations" is not allowed`},
		{`{"relations":{"$contains":{"type":"a","targetRef":{"$in":[1]}}}}`, `Unsupported value in $contains for "relations": expected a string or { "$in": [strings] }, but got {"$in":[1]}`},
		{`{"relations":{"$contains":{"type":"a","targetRef":{"$exists":true}}}}`, `Unsupported value in $contains for "relations"`},
		{`{"relations":{"$contains":{"$all":[]}}}`, `Unsupported key "$all" in $contains for "relations"`},
		{`{"relations":{"$contains":[1]}}`, `Invalid query: Validation error: Expected a primitive value`},
	}
	for _, tt := range tests {
		_, err := ParsePredicate(json.RawMessage(tt.in))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, errs.ErrInput) {
			t.Errorf("ParsePredicate(%s)\n error %v\n want InputError starting %q", tt.in, err, tt.want)
		}
	}
}

func TestAnd(t *testing.T) {
	t.Parallel()
	a := mustPredicate(t, `{"kind":"a"}`)
	b := mustPredicate(t, `{"kind":"b"}`)
	tests := []struct {
		got  Predicate
		want string
	}{
		{And(Predicate{}, Predicate{}), `{}`},
		{And(a, Predicate{}), `{"kind":"a"}`},
		{And(Predicate{}, b), `{"kind":"b"}`},
		{And(a, b), `{"$all":[{"kind":"a"},{"kind":"b"}]}`},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("And = %s, want %s", got, tt.want)
		}
	}
	b2, err := json.Marshal(map[string]any{"query": And(a, b)})
	if err != nil || string(b2) != `{"query":{"$all":[{"kind":"a"},{"kind":"b"}]}}` {
		t.Errorf("json.Marshal = %s, %v", b2, err)
	}
}

func TestPredicate_UnmarshalJSON(t *testing.T) {
	t.Parallel()
	var body struct {
		Query Predicate `json:"query"`
	}
	if err := json.Unmarshal([]byte(`{"query":{"kind":"api"}}`), &body); err != nil || body.Query.String() != `{"kind":"api"}` {
		t.Errorf("decoded %s, %v", body.Query, err)
	}
	err := json.Unmarshal([]byte(`{"query":{"kind":{"$regex":"x"}}}`), &body)
	if !errors.Is(err, errs.ErrInput) || !strings.HasPrefix(err.Error(), "Invalid query: ") {
		t.Errorf("error %v", err)
	}
}

func TestParseOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		field   bool // ParseOrderField rather than ParseOrder
		want    Order
		wantErr string
	}{
		{"metadata.name,asc", true, Order{Field: "metadata.name"}, ""},
		{"metadata.name,desc,extra", true, Order{Field: "metadata.name", Desc: true}, ""},
		{"metadata.name", true, Order{Field: "metadata.name"}, ""},
		{"metadata.name,sideways", true, Order{}, "Invalid order field order, must be asc or desc"},
		{"desc:metadata.name", false, Order{Field: "metadata.name", Desc: true}, ""},
		{"asc:a:b", false, Order{Field: "a:b"}, ""},
		{"metadata.name", false, Order{}, `Invalid order parameter "metadata.name", expected "<asc or desc>:<field name>"`},
		{"asc:", false, Order{}, `Invalid order parameter "asc:", expected "<asc or desc>:<field name>"`},
	}
	for _, tt := range tests {
		parse := ParseOrder
		if tt.field {
			parse = ParseOrderField
		}
		got, err := parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, errs.ErrInput) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}
