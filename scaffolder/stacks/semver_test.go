package stacks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersion_Compare(t *testing.T) {
	t.Parallel()
	order := []string{"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"}
	for i := 0; i+1 < len(order); i++ {
		a, err := ParseVersion(order[i])
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseVersion(order[i+1])
		if err != nil {
			t.Fatal(err)
		}
		if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
			t.Errorf("%s should sort before %s", a, b)
		}
	}
	got := SortVersions([]string{"v2.0.0", "latest", "1.10.0", "1.2.0", "01.0.0"})
	if diff := cmp.Diff([]string{"1.2.0", "1.10.0", "2.0.0"}, got); diff != "" {
		t.Errorf("SortVersions (-want +got):\n%s", diff)
	}
}

func TestMatchVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		constraint, version string
		want                bool
	}{
		{"*", "3.1.4", true},
		{"1.x", "1.9.0", true},
		{"1.x", "2.0.0", false},
		{"1", "1.0.5", true},
		{"1.2.x", "1.2.7", true},
		{"1.2.x", "1.3.0", false},
		{"1.0.0", "1.0.0", true},
		{"<2.0.0", "1.99.0", true},
		{"<2.0.0", "2.0.0", false},
		{">=1.1.0 <1.5.0", "1.4.9", true},
		{">=1.1.0 <1.5.0", "1.0.9", false},
		{"=1.0.0", "1.0.0", true},
	}
	for _, tt := range tests {
		got, err := MatchVersion(tt.constraint, tt.version)
		if err != nil || got != tt.want {
			t.Errorf("MatchVersion(%q, %q) = %v, %v; want %v", tt.constraint, tt.version, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1.x.x.x", "~1.0", ">=one"} {
		if _, err := MatchVersion(bad, "1.0.0"); err == nil {
			t.Errorf("MatchVersion(%q) accepted a bad constraint", bad)
		}
	}
}
