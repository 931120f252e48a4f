package query

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

// TestSearchRows_Golden flattens each testdata/search/*.json entity and
// compares the rows with the .golden file next to it. Regenerate the golden
// files with: go test ./catalog/query/ -run TestSearchRows_Golden -update
func TestSearchRows_Golden(t *testing.T) {
	t.Parallel()
	inputs, err := filepath.Glob("testdata/search/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			var e model.Entity
			readJSON(t, in, &e)
			got := formatRows(SearchRows(e))
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(string(want), got); d != "" {
				t.Errorf("rows differ (-golden +got):\n%s", d)
			}
		})
	}
}

// formatRows renders rows one per line as key, value and, when it differs,
// the original value, tab-separated; "<no value>" marks rows without one.
func formatRows(rows []Row, err error) string {
	if err != nil {
		kind := "error"
		if errors.Is(err, errs.ErrInput) {
			kind = "InputError"
		}
		return kind + ": " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Key)
		switch {
		case !r.HasValue:
			b.WriteString("\t<no value>")
		case r.Original != r.Value:
			b.WriteString("\t" + r.Value + "\t" + r.Original)
		default:
			b.WriteString("\t" + r.Value)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestSearchRows_GoValues(t *testing.T) {
	t.Parallel()
	// Entities built in Go rather than decoded from JSON: typed slices and
	// maps, integers and model.Relation values must flatten the same way.
	typed := model.Entity{
		"kind": "Component",
		"metadata": map[string]any{
			"name":        "typed",
			"tags":        []string{"a", "B"},
			"annotations": map[string]string{"x/y": "Z"},
		},
		"spec":      map[string]any{"replicas": 3, "weight": int64(2), "ratio": float32(0.5)},
		"relations": []model.Relation{{Type: "ownedBy", TargetRef: "group:default/g"}},
	}
	plain := model.Entity{}
	b, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &plain); err != nil {
		t.Fatal(err)
	}
	got, err := SearchRows(typed)
	if err != nil {
		t.Fatal(err)
	}
	want, err := SearchRows(plain)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(want, got); d != "" {
		t.Errorf("typed entity rows differ (-json +typed):\n%s", d)
	}
}

func TestJSNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {7, "7"}, {-7, "-7"}, {1.5, "1.5"}, {0.1, "0.1"}, {100, "100"},
		{1e21, "1e+21"}, {1e20, "100000000000000000000"}, {123456789012345680000, "123456789012345680000"},
		{1.5e22, "1.5e+22"}, {0.000001, "0.000001"}, {1e-7, "1e-7"}, {1.25e-8, "1.25e-8"},
		{-0.5, "-0.5"}, {2.5e-6, "0.0000025"},
	}
	for _, tt := range tests {
		if got := jsNumber(tt.in); got != tt.want {
			t.Errorf("jsNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSLowerAndLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, lower string
		units     int
	}{
		{"abc", "abc", 3},
		{"ABC", "abc", 3},
		{"ÅNGSTRÖM", "ångström", 8},
		{"İ", "i\u0307", 1},
		{"😀", "😀", 2},
	}
	for _, tt := range tests {
		if got := jsLower(tt.in); got != tt.lower {
			t.Errorf("jsLower(%q) = %q, want %q", tt.in, got, tt.lower)
		}
		if got := utf16Len(tt.in); got != tt.units {
			t.Errorf("utf16Len(%q) = %d, want %d", tt.in, got, tt.units)
		}
	}
}
