package schemas

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/catalog/parse"
)

// To regenerate the golden files in testdata/invalid after changing a
// schema or a message, run: go test ./schemas -update
var update = flag.Bool("update", false, "rewrite golden files")

func compile(t testing.TB, opts Options) *Validator {
	t.Helper()
	v, err := Compile(opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return v
}

func TestSchemas(t *testing.T) {
	t.Parallel()
	in, err := buildInstance(Options{})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	want := []string{"API", "Component", "Domain", "Group", "Location", "Resource", "System", "Template", "User"}
	var got []string
	for kind, versions := range in.knownKinds() {
		got = append(got, kind)
		for _, av := range versions {
			s := in.kinds[kindKey{av, kind}]
			if err := s.value.Validate(); err != nil {
				t.Errorf("schema %s %s: %v", av, kind, err)
			}
		}
	}
	if diff := cmp.Diff(want, sorted(got)); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if len(in.explain) < 8 {
		t.Errorf("found %d @explain attributes, want one per format", len(in.explain))
	}
}

func TestValidate_Valid(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no files in testdata/valid")
	}
	var out bytes.Buffer
	n, err := Vet(context.Background(), v, files, &out)
	if err != nil || n != 0 {
		t.Errorf("Vet(valid files) = %d problems, %v:\n%s", n, err, out.String())
	}
}

func TestValidate_Invalid(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			n, err := Vet(context.Background(), v, []string{file}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("%s passed, want errors", file)
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./schemas -update)", err)
			}
			if diff := cmp.Diff(string(want), out.String()); diff != "" {
				t.Errorf("errors differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// document parses a single-document YAML string.
func document(t testing.TB, src string) parse.Document {
	t.Helper()
	docs, err := parse.YAML("e.yaml", []byte(src))
	if err != nil || len(docs) != 1 {
		t.Fatalf("parse: %v (%d documents)", err, len(docs))
	}
	return docs[0]
}

func writeFile(name, content string) error { return os.WriteFile(name, []byte(content), 0o644) }
