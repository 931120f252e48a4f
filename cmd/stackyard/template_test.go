package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stackTemplates is where the shipped stack templates live.
const stackTemplates = "../../schemas/stacks"

// runTemplateCmd runs `stackyard template ARGS...` and returns its exit
// code and output.
func runTemplateCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runTemplate(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeValues(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTemplateVet(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"web-service", "postgres-database"} {
		code, out, errOut := runTemplateCmd(t, "vet", filepath.Join(stackTemplates, name))
		if code != 0 || !strings.Contains(out, "ok "+name) {
			t.Errorf("template vet %s = %d:\n%s%s", name, code, out, errOut)
		}
	}
	code, out, _ := runTemplateCmd(t, "vet", "../../scaffolder/stacks/testdata/vet/broken")
	if code != 1 {
		t.Errorf("template vet of a broken template = %d, want 1", code)
	}
	for _, want := range []string{
		"broken/1.0.0/stack.cue:7:19: examples[1].values.name: invalid value \"Upper\"",
		"broken/1.0.0/stack.cue:18:13: examples[2]: guardrail small fails: size 8 is too big",
		"(component:default/fine).spec.type: field is required",
		"examples[1].values.colour: unknown parameter; the parameters are name, owner, size, color (migrated from 1.0.0 to 2.0.0)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("template vet output lacks %q:\n%s", want, out)
		}
	}
}

func TestTemplateDiff(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(stackTemplates, "web-service")
	tests := []struct {
		name, values string
		extra        []string
		code         int
		want         []string
	}{
		{name: "ready", values: "name: hello-web\nowner: group:default/team-a\n", code: 0,
			want: []string{"web-service 1.0.0 -> 2.0.0 for stack default/hello-web (owner group:default/team-a): ready",
				"added     clean    deploy/pdb.yaml", "+  replicas: 2"}},
		{name: "blocked by owner", values: "name: checkout\nowner: group:default/checkout\nreplicas: 2\nminAvailable: 2\n", code: 1,
			want: []string{"blocked by owner", "responsible: owner, contact group:default/checkout",
				"minAvailable = 2: owner-value (given by the owner)", "replicas = 2: owner-value (given by the owner)"}},
		{name: "namespace and owner", values: "name: cart\nowner: group:shop/cart\n", extra: []string{"--namespace", "shop", "--owner", "group:shop/cart-team"},
			code: 0, want: []string{"for stack shop/cart (owner group:shop/cart-team): ready"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"diff", dir, "--from", "1.0.0", "--to", "2.0.0", "--values", writeValues(t, tt.values)}, tt.extra...)
			code, out, errOut := runTemplateCmd(t, args...)
			if code != tt.code {
				t.Errorf("exit code = %d, want %d:\n%s%s", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestTemplateDiff_Repo plans against a working tree with an owner edit on
// the line the template changes.
func TestTemplateDiff_Repo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(stackTemplates, "web-service")
	values := writeValues(t, "name: legacy-web\nowner: group:default/team-a\n")
	repo := t.TempDir()
	deploy := "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 4\n"
	if err := os.MkdirAll(filepath.Join(repo, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "deploy", "deployment.yaml"), []byte(deploy), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTemplateCmd(t, "diff", dir, "--from", "1.0.0", "--to", "2.0.0", "--values", values, "--repo", repo, "--json")
	if code != 1 {
		t.Fatalf("exit code = %d, want 1:\n%s%s", code, out, errOut)
	}
	var plan struct {
		Status string
		Files  []struct{ Path, Change, Merge string }
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if plan.Status != "conflicts" {
		t.Errorf("status = %s, want conflicts", plan.Status)
	}
	for _, f := range plan.Files {
		if f.Path == "deploy/deployment.yaml" && f.Merge != "conflict" {
			t.Errorf("deploy/deployment.yaml merges %s, want conflict", f.Merge)
		}
		if f.Path == "README.md" && f.Change != "unchanged" {
			t.Errorf("README.md, which the owner deleted, is %s, want unchanged", f.Change)
		}
	}
}

func TestTemplate_Usage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"frobnicate"}, {"diff", "x"}, {"vet"}} {
		if code, _, errOut := runTemplateCmd(t, args...); code != 2 || !strings.Contains(errOut, "usage:") {
			t.Errorf("template %v = %d, want 2 with usage:\n%s", args, code, errOut)
		}
	}
	if code, _, _ := runTemplateCmd(t, "diff", "../../schemas/stacks/web-service", "--from", "1.0.0", "--to", "9.0.0", "--values", writeValues(t, "name: a\n")); code != 2 {
		t.Errorf("diff to a missing version = %d, want 2", code)
	}
}
