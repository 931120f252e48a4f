package schemas

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
)

const component = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
spec:
  type: service
  lifecycle: experimental
  owner: team-a
`

func TestValidate_Policy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{
			name: "default policy",
			opts: Options{},
		},
		{
			name: "require a description",
			opts: Options{Policy: "metadata: description!: #NonBlank"},
			want: []string{"e.yaml:3:1: metadata.description: field is required"},
		},
		{
			name: "tighter lifecycle list",
			opts: Options{Lifecycles: []string{"production"}},
			want: []string{`e.yaml:7:14: spec.lifecycle: must be "production" (got "experimental")`},
		},
		{
			name: "policy that depends on the kind",
			opts: Options{Policy: "kind: _\nif kind == \"Component\" {spec: type: \"website\" | \"library\"}"},
			want: []string{`e.yaml:6:9: spec.type: must be one of "library", "website" (got "service")`},
		},
		{
			name: "policy with its own explained format",
			opts: Options{Policy: "#Team: =~\"^team-\" @explain(\"expected an owner named team-*\")\nspec: owner: #Team\nmetadata: name: =~\"^web-\""},
			want: []string{
				`e.yaml:4:9: metadata.name: invalid value "svc" (out of bound =~"^web-")`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := compile(t, tt.opts)
			var got []string
			for _, e := range v.Validate(document(t, component)) {
				got = append(got, e.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidate_PolicyExplain(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{Policy: "#Team: =~\"^team-\" @explain(\"expected an owner named team-*\")\nspec: owner: #Team"})
	doc := document(t, strings.Replace(component, "owner: team-a", "owner: guests", 1))
	got := v.Validate(doc)
	want := `e.yaml:8:10: spec.owner: expected an owner named team-* but found "guests"`
	if len(got) != 1 || got[0].String() != want {
		t.Errorf("Validate = %v, want %s", got, want)
	}
}

func TestCompile_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"policy syntax", Options{Policy: "metadata: {\n  name: \n"}, "compile policy: policy:2:10: expected operand, found 'EOF'"},
		{"policy reference", Options{Policy: "spec: owner: #Nope"}, "compile policy: policy:1:14: reference \"#Nope\" not found"},
		{"policy conflict", Options{Policy: "kind: 5"}, "policy conflicts with"},
		{"empty lifecycle list", Options{Lifecycles: []string{}}, "the lifecycle list is empty"},
		{"empty lifecycle", Options{Lifecycles: []string{"a", ""}}, "a lifecycle is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidator_Lifecycles(t *testing.T) {
	t.Parallel()
	if got := compile(t, Options{}).Lifecycles(); !cmp.Equal(got, []string{"experimental", "production", "deprecated"}) {
		t.Errorf("default Lifecycles() = %v", got)
	}
	if got := compile(t, Options{Lifecycles: []string{"ga"}}).Lifecycles(); !cmp.Equal(got, []string{"ga"}) {
		t.Errorf("Lifecycles() = %v, want [ga]", got)
	}
}

func TestValidate_JSONEntity(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{Policy: "spec: replicas?: int & >0"})
	e := model.Entity{
		"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
		"metadata": map[string]any{"name": "svc"},
		"spec":     map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a", "replicas": 3.0},
	}
	if got := v.Validate(parse.Document{Entity: e}); got != nil {
		t.Errorf("Validate(JSON entity) = %v, want no errors", got)
	}
	e.Spec()["replicas"] = 1.5
	e.Metadata()["name"] = "bad name"
	got := v.Validate(parse.Document{Entity: e})
	var lines []string
	for _, f := range got {
		lines = append(lines, f.String())
	}
	want := []string{
		`metadata.name: expected a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total but found "bad name"`,
		"spec.replicas: expected an integer but found 1.5",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if got := v.Validate(parse.Document{}); len(got) == 0 {
		t.Error("an empty entity passed")
	}
}

func TestValidate_Concurrent(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	good := document(t, component)
	bad := document(t, strings.Replace(component, "experimental", "prod", 1))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				doc := good
				if (g+i)%2 == 0 {
					doc = bad
				}
				got := v.Validate(doc)
				if (len(got) == 0) != (doc.Entity.Spec()["lifecycle"] == "experimental") {
					t.Errorf("goroutine %d: Validate = %v", g, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestVet(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	var out bytes.Buffer
	files := []string{"testdata/valid/org.yaml", "testdata/invalid/lifecycle.yaml", "testdata/invalid/bad-tag.yaml"}
	n, err := Vet(context.Background(), v, files, &out)
	if err != nil || n != 3 {
		t.Fatalf("Vet = %d, %v; want 3 problems:\n%s", n, err, out.String())
	}
	if !strings.HasPrefix(out.String(), "testdata/invalid/lifecycle.yaml:7:14: spec.lifecycle: must be one of") {
		t.Errorf("output:\n%s", out.String())
	}
	if _, err := Vet(context.Background(), v, []string{"testdata/missing.yaml"}, &out); err == nil {
		t.Error("Vet(missing file) did not fail")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Vet(ctx, v, files, &out); err == nil {
		t.Error("Vet(cancelled) did not fail")
	}
}

func TestVet_ParseErrors(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	dir := t.TempDir()
	file := dir + "/f.yaml"
	src := component + "---\n- a list\n---\n" + strings.Replace(component, "svc", "bad name", 1)
	if err := writeFile(file, src); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := Vet(context.Background(), v, []string{file}, &out)
	want := fmt.Sprintf("%[1]s:10:1: expected an object at the root of the document, got a list\n"+
		"%[1]s:15:9: metadata.name: expected a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total but found \"bad name\"\n", file)
	if err != nil || n != 2 || out.String() != want {
		t.Errorf("Vet = %d, %v:\n%s\nwant:\n%s", n, err, out.String(), want)
	}
}
