package upgrade

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/scaffolder/stacks"
)

// Regenerate the golden files with: go test ./scaffolder/stacks/upgrade -update
var update = flag.Bool("update", false, "rewrite golden files")

// webService is the web-service template shipped in schemas/stacks.
const webService = "../../../schemas/stacks/web-service"

var (
	templatesOnce sync.Once
	templates     map[string]*stacks.Template
	templatesErr  error
)

// loadTemplates compiles every version of web-service once per test binary.
func loadTemplates(t testing.TB) map[string]*stacks.Template {
	t.Helper()
	templatesOnce.Do(func() {
		ctx := context.Background()
		src, err := stacks.OpenSource(ctx, webService)
		if err != nil {
			templatesErr = err
			return
		}
		templates = map[string]*stacks.Template{}
		for _, v := range src.Versions() {
			tpl, err := src.Load(ctx, v, stacks.Options{Name: "web-service/" + v})
			if err != nil {
				templatesErr = err
				return
			}
			templates[v] = tpl
		}
	})
	if templatesErr != nil {
		t.Fatal(templatesErr)
	}
	return templates
}

// planCase is one file of testdata/plans.
type planCase struct {
	From   string         `yaml:"from"`
	To     string         `yaml:"to"`
	Values map[string]any `yaml:"values"`
	Edits  []fileEdit     `yaml:"edits"`
}

// fileEdit is one edit the owner made to the repository after launch.
type fileEdit struct {
	File    string  `yaml:"file"`
	Replace string  `yaml:"replace"`
	With    string  `yaml:"with"`
	Append  string  `yaml:"append"`
	Delete  bool    `yaml:"delete"`
	Content *string `yaml:"content"`
}

func TestNewPlan_Golden(t *testing.T) {
	t.Parallel()
	tpls := loadTemplates(t)
	cases, err := filepath.Glob("testdata/plans/*.yaml")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no plan cases: %v", err)
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pc := readCase(t, file)
			in := Input{Stack: Stack{Values: pc.Values}, Base: tpls[pc.From], Target: tpls[pc.To]}
			in.Ours = launch(t, in.Base, pc.Values, pc.Edits)
			plan, err := NewPlan(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := plan.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".txt", text.Bytes())
			js, err := json.MarshalIndent(plan, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(file, ".yaml")+".json", append(js, '\n'))
		})
	}
}

func readCase(t *testing.T, file string) planCase {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pc planCase
	if err := yaml.Unmarshal(data, &pc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return pc
}

// launch renders the base version, as the launch task would have written
// the repository, and applies the owner's edits.
func launch(t testing.TB, base *stacks.Template, values map[string]any, edits []fileEdit) map[string][]byte {
	t.Helper()
	r, err := base.Render(context.Background(), stacks.Input{Values: values})
	if err != nil {
		t.Fatalf("render the base version: %v", err)
	}
	files := r.FileMap()
	for _, e := range edits {
		cur, ok := files[e.File]
		switch {
		case e.Delete:
			delete(files, e.File)
		case e.Content != nil:
			files[e.File] = []byte(*e.Content)
		case !ok:
			t.Fatalf("edit of %s: no such file", e.File)
		case e.Append != "":
			files[e.File] = append(append([]byte{}, cur...), e.Append...)
		default:
			if strings.Count(string(cur), e.Replace) != 1 {
				t.Fatalf("edit of %s: %q does not occur exactly once", e.File, e.Replace)
			}
			files[e.File] = []byte(strings.Replace(string(cur), e.Replace, e.With, 1))
		}
	}
	return files
}

// golden compares got with a golden file, or rewrites it with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, diff)
	}
}
