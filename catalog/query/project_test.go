package query

import (
	"errors"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

func TestProject(t *testing.T) {
	t.Parallel()
	entity := []byte(`{"apiVersion":"v1","kind":"Component","metadata":{"name":"a","tags":["x","y"],` +
		`"annotations":{"backstage.io/orphan":"true","a.b":{"c":1},"a":{"b":2}},"title":"T \"q\" \u00e9"},` +
		`"spec":{"owner":"o","profile":{"displayName":"D"}},"relations":[{"type":"ownedBy","targetRef":"g"}]}`)
	tests := []struct {
		name   string
		fields []string
		want   string
	}{
		{"none", nil, string(entity)},
		{"checklist 10", []string{"kind,metadata.name"}, `{"kind":"Component","metadata":{"name":"a"}}`},
		{"order of fields", []string{"metadata.name", "kind", "metadata.tags"}, `{"metadata":{"name":"a","tags":["x","y"]},"kind":"Component"}`},
		{"dotted key", []string{"metadata.annotations.backstage.io/orphan"}, `{"metadata":{"annotations":{"backstage.io/orphan":"true"}}}`},
		{"a direct key wins over a dotted one", []string{"metadata.annotations.a.b"}, `{"metadata":{"annotations":{"a":{"b":2}}}}`},
		{"resolution is greedy, like Backstage's", []string{"metadata.annotations.a.b.c"}, `{}`},
		{"missing fields are left out", []string{"spec.nothing", "nothing", "metadata.name.x"}, `{}`},
		{"whole object then part", []string{"spec", "spec.owner"}, `{"spec":{"owner":"o","profile":{"displayName":"D"}}}`},
		{"part then whole object", []string{"spec.owner", "spec"}, `{"spec":{"owner":"o","profile":{"displayName":"D"}}}`},
		{"duplicates and blanks", []string{"kind, kind ,,", " kind"}, `{"kind":"Component"}`},
		{"escaped values are copied", []string{"metadata.title"}, `{"metadata":{"title":"T \"q\" \u00e9"}}`},
		{"arrays", []string{"relations"}, `{"relations":[{"type":"ownedBy","targetRef":"g"}]}`},
		{"case matters", []string{"Kind"}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Project(entity, tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Project(%q)\n got %s\nwant %s", tt.fields, got, tt.want)
			}
		})
	}
}

func TestProject_Errors(t *testing.T) {
	t.Parallel()
	_, err := Project([]byte(`{}`), []string{"kind", "metadata.tags[0]"})
	if err == nil || err.Error() != `Invalid field "metadata.tags[0]", array type fields are not supported` || !errors.Is(err, errs.ErrInput) {
		t.Errorf("error = %v", err)
	}
	for _, bad := range []string{`{"kind":`, `{"kind" "x"}`, `{"kind":"x"`, `{"a":[1,2}`} {
		if _, err := Project([]byte(bad), []string{"zzz"}); err == nil {
			t.Errorf("Project(%s) accepted malformed JSON", bad)
		}
	}
}
