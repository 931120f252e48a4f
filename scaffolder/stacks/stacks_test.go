package stacks

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/schemas"
)

// Regenerate the golden files with: go test ./scaffolder/stacks -update
var update = flag.Bool("update", false, "rewrite golden files")

// shipped are the example templates in schemas/stacks.
var shipped = []string{"web-service", "postgres-database"}

const stacksDir = "../../schemas/stacks"

var (
	validatorOnce sync.Once
	validator     *schemas.Validator
)

// catalogValidator compiles the catalog schemas once per test binary.
func catalogValidator(t testing.TB) *schemas.Validator {
	t.Helper()
	validatorOnce.Do(func() {
		v, err := schemas.Compile(schemas.Options{})
		if err != nil {
			t.Fatal(err)
		}
		validator = v
	})
	return validator
}

// loadShipped compiles one version of a shipped template.
func loadShipped(t testing.TB, name, version string) *Template {
	t.Helper()
	src, err := OpenSource(context.Background(), filepath.Join(stacksDir, name))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := src.Load(context.Background(), version, Options{Name: name + "/" + version, Validator: catalogValidator(t)})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// golden compares got with a golden file, or rewrites it with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
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

func TestParametersSchema_Golden(t *testing.T) {
	t.Parallel()
	for _, name := range shipped {
		src, err := OpenSource(context.Background(), filepath.Join(stacksDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, version := range src.Versions() {
			t.Run(name+"-"+version, func(t *testing.T) {
				t.Parallel()
				tpl := loadShipped(t, name, version)
				got, err := json.MarshalIndent(map[string]any{"schema": tpl.ParametersSchema(), "pages": tpl.Pages()}, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", "schema", name+"-"+version+".json"), append(got, '\n'))
			})
		}
	}
}

func TestRender_ExamplesGolden(t *testing.T) {
	t.Parallel()
	for _, name := range shipped {
		src, err := OpenSource(context.Background(), filepath.Join(stacksDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, version := range src.Versions() {
			t.Run(name+"-"+version, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				tpl := loadShipped(t, name, version)
				examples, err := tpl.Examples(ctx)
				if err != nil || len(examples) == 0 {
					t.Fatalf("examples: %v (%d)", err, len(examples))
				}
				for i, ex := range examples {
					r, err := tpl.Render(ctx, Input{Values: ex.Values})
					if err != nil {
						t.Fatalf("examples[%d]: %v", i, err)
					}
					file := filepath.Join("testdata", "render", fmt.Sprintf("%s-%s-%d.txt", name, version, i))
					golden(t, file, renderText(t, r))
				}
			})
		}
	}
}

// renderText prints a render as a txtar-like archive.
func renderText(t *testing.T, r *Result) []byte {
	t.Helper()
	var b bytes.Buffer
	given, _ := json.Marshal(r.Given)
	resolved, _ := json.Marshal(r.Resolved)
	fmt.Fprintf(&b, "# %s %s, stack %s\n# given: %s\n# resolved: %s\n", r.Template, r.Version, r.Stack, given, resolved)
	for _, g := range r.Guardrails {
		state := "ok"
		if !g.OK {
			state = "FAILS"
		}
		fmt.Fprintf(&b, "# guardrail %s %s: %s %v\n", g.ID, state, g.Message, g.Fields)
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "-- %s --\n%s", f.Path, f.Content)
	}
	entities, err := json.MarshalIndent(r.Entities, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "-- entities --\n%s\n", entities)
	return b.Bytes()
}
