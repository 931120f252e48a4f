package query

import (
	"errors"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

func TestParseFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sets []string
		want string // the predicate as JSON
	}{
		{"none", nil, `{}`},
		{"empty sets are ignored", []string{"", " , ,"}, `{}`},
		{"equality", []string{"kind=component"}, `{"kind":"component"}`},
		{"keeps case, trims", []string{" KIND = Component "}, `{"KIND":"Component"}`},
		{"existence", []string{"spec.owner"}, `{"spec.owner":{"$exists":true}}`},
		{"empty value", []string{"spec.owner="}, `{"spec.owner":""}`},
		{"first = splits", []string{"relations.ownedBy=group:default/a=b"}, `{"relations.ownedBy":"group:default/a=b"}`},
		{"repeated key is $in", []string{"kind=user,kind=group"}, `{"kind":{"$in":["user","group"]}}`},
		{"different keys are $all", []string{"kind=component,spec.type=service"},
			`{"$all":[{"kind":"component"},{"spec.type":"service"}]}`},
		{"existence then value is equality", []string{"kind,kind=api"}, `{"kind":"api"}`},
		{"sets are $any", []string{"kind=component,spec.type=service", "kind=group"},
			`{"$any":[{"$all":[{"kind":"component"},{"spec.type":"service"}]},{"kind":"group"}]}`},
		{"annotation key with dots and slash", []string{"metadata.annotations.backstage.io/orphan=true"},
			`{"metadata.annotations.backstage.io/orphan":"true"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseFilters(tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("ParseFilters(%q) = %s, want %s", tt.sets, got, tt.want)
			}
		})
	}
}

func TestParseFilters_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sets []string
		want string
	}{
		{[]string{"=x"}, "Invalid filter, '=x' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{[]string{"kind=a, = b"}, "Invalid filter, '= b' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{[]string{"kind=a", "=="}, "Invalid filter, '==' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{[]string{"$all=x"}, `Invalid filter predicate: operators must be a single $all or $any with an array, or $not, but got {"$all":"x"}`},
		{[]string{"kind=a,$foo"}, `Invalid filter predicate: operators must be a single $all or $any with an array, or $not, but got {"$foo":{"$exists":true}}`},
		{[]string{"$not=x"}, `Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": "x" }`},
		{[]string{"$not=a,$not=b"}, `Invalid filter predicate: operators must be a single $all or $any with an array, or $not, but got {"$in":["a","b"]}`},
	}
	for _, tt := range tests {
		_, err := ParseFilters(tt.sets)
		if err == nil || err.Error() != tt.want || !errors.Is(err, errs.ErrInput) {
			t.Errorf("ParseFilters(%q) error = %v, want InputError %q", tt.sets, err, tt.want)
		}
	}
}

func TestLegacyFilterInCursor(t *testing.T) {
	t.Parallel()
	// Cursors of Backstage 1.45 (catalog backend 3.x) carry the filter in
	// the older EntityFilter shape.
	tests := []struct {
		filter string
		want   string
	}{
		{`{"key":"kind","values":["component"]}`, `{"kind":"component"}`},
		{`{"key":"spec.owner"}`, `{"spec.owner":{"$exists":true}}`},
		{`{"anyOf":[{"allOf":[{"key":"kind","values":["a","b"]}]},{"not":{"key":"x"}}]}`,
			`{"$any":[{"$all":[{"kind":{"$in":["a","b"]}}]},{"$not":{"x":{"$exists":true}}}]}`},
	}
	for _, tt := range tests {
		v, err := parseJSON([]byte(tt.filter))
		if err != nil {
			t.Fatal(err)
		}
		n, ok := legacyFilter(v, 0)
		if !ok {
			t.Fatalf("legacyFilter(%s) failed", tt.filter)
		}
		if got := (Predicate{n}).String(); got != tt.want {
			t.Errorf("legacyFilter(%s) = %s, want %s", tt.filter, got, tt.want)
		}
	}
	for _, bad := range []string{`{"key":1}`, `{"anyOf":{}}`, `[]`, `{"key":"a","values":[1]}`} {
		v, _ := parseJSON([]byte(bad))
		if _, ok := legacyFilter(v, 0); ok {
			t.Errorf("legacyFilter(%s) accepted", bad)
		}
	}
}
