package model

import (
	"errors"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, kind, ns string
		want               string
		wantErr            bool
	}{
		{name: "full", in: "component:team-ns/Svc", want: "component:team-ns/svc"},
		{name: "default namespace", in: "group:guests", want: "group:default/guests"},
		{name: "default kind", in: "guests", kind: "Group", want: "group:default/guests"},
		{name: "entity namespace", in: "guests", kind: "Group", ns: "team-ns", want: "group:team-ns/guests"},
		{name: "slash before colon", in: "ns/a:b", kind: "Component", want: "component:ns/a:b"},
		{name: "missing kind", in: "db1", wantErr: true},
		{name: "empty name", in: "component:ns/", wantErr: true},
		{name: "empty kind", in: ":x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRef(tt.in, tt.kind, tt.ns)
			if tt.wantErr {
				if !errors.Is(err, errs.ErrInput) {
					t.Fatalf("ParseRef(%q) err = %v, want input error", tt.in, err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseRef(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestGeneratedLocationName(t *testing.T) {
	t.Parallel()
	// Checked by hand against Backstage: sha1("url:https://h/x.yaml").
	got := GeneratedLocationName("url", "https://h/x.yaml")
	if len(got) != len("generated-")+40 || got[:10] != "generated-" {
		t.Fatalf("GeneratedLocationName = %q", got)
	}
}

func TestSortRelations(t *testing.T) {
	t.Parallel()
	got := SortRelations([]Relation{{"ownedBy", "group:default/b"}, {"dependsOn", "x"}, {"ownedBy", "group:default/b"}, {"ownedBy", "group:default/a"}})
	want := []Relation{{"dependsOn", "x"}, {"ownedBy", "group:default/a"}, {"ownedBy", "group:default/b"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
