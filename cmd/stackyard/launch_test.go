package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"

	"github.com/stackyard/stackyard/catalog/model"
)

// waitTask polls a task until it is completed or failed and returns its
// status and its events' JSON.
func waitTask(t *testing.T, base, id string) (string, string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		task := getJSON(t, "GET", base+"/api/scaffolder/v2/tasks/"+id, "", 200)
		if s, _ := task["status"].(string); s == "completed" || s == "failed" || s == "cancelled" {
			resp, err := http.Get(base + "/api/scaffolder/v2/tasks/" + id + "/events")
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return s, string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %v after 60s", id, task["status"])
		}
	}
}

// waitEntity polls the catalog for an entity by kind/namespace/name.
func waitEntity(t *testing.T, base, path string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/api/catalog/entities/by-name/" + path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			var ent map[string]any
			if err := json.Unmarshal(data, &ent); err != nil {
				t.Fatal(err)
			}
			return ent
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached the catalog: %d %s", path, resp.StatusCode, data)
		}
	}
}

func launchTask(t *testing.T, base string, values map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"templateRef": "template:default/web-service", "values": values})
	out := getJSON(t, "POST", base+"/api/scaffolder/v2/tasks", string(body), 201)
	id, _ := out["id"].(string)
	if id == "" {
		t.Fatalf("create task = %v", out)
	}
	return id
}

// TestLaunch_StockScaffolderAPI: the stock scaffolder API launches
// web-service 2.0.0 as an ordinary task: the stack repository holds the
// rendered files in one "Launch" commit, the stack is recorded with the
// values given, and its entities carry the template annotations. A second
// launch that breaks the minAvailable < replicas guardrail is refused on
// its field before a task exists.
func TestLaunch_StockScaffolderAPI(t *testing.T) {
	repos := t.TempDir()
	cfg := fmt.Sprintf("catalog:\n  processingInterval: 1h\nscaffolder: {concurrency: 1}\nstacks:\n  templates: [{source: %q}]\n  repositories: %q\n",
		mustAbs("../../schemas/stacks/web-service"), repos)
	srv := startWired(t, cfg)
	waitEntity(t, srv.URL, "template/default/web-service")

	values := map[string]any{"name": "checkout", "owner": "group:default/team-a", "replicas": 3, "minAvailable": 2}
	id := launchTask(t, srv.URL, values)
	if status, events := waitTask(t, srv.URL, id); status != "completed" {
		t.Fatalf("launch = %s: %s", status, events)
	}

	// The repository holds the rendered files, committed once.
	repo, err := git.PlainOpen(filepath.Join(repos, "default", "checkout.git"))
	if err != nil {
		t.Fatal(err)
	}
	head, err := repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	commit, err := repo.CommitObject(head.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if commit.Message != "Launch web-service@2.0.0" || head.Name().Short() != "main" {
		t.Fatalf("head = %s %q", head.Name(), commit.Message)
	}
	for _, p := range []string{"README.md", "deploy/deployment.yaml", "deploy/service.yaml", "deploy/pdb.yaml"} {
		f, err := commit.File(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if p == "deploy/deployment.yaml" {
			if text, _ := f.Contents(); !strings.Contains(text, "replicas: 3") {
				t.Fatalf("deployment.yaml = %s", text)
			}
		}
	}

	// The stack is recorded at 2.0.0 with the values given, no defaults.
	st := getJSON(t, "GET", srv.URL+"/api/stacks/v1/stacks/default/checkout", "", 200)
	got, _ := json.Marshal(st["values"])
	want, _ := json.Marshal(values)
	if st["version"] != "2.0.0" || st["template"] != "template:default/web-service" || string(got) != string(want) ||
		st["owner"] != "group:default/team-a" || st["lifecycle"] != "experimental" || st["behind"] != false ||
		!strings.HasSuffix(st["repository"].(string), "checkout.git") || !strings.HasPrefix(st["digest"].(string), "sha256:") {
		t.Fatalf("stack = %v", st)
	}
	hist := st["history"].([]any)
	if len(hist) != 1 || hist[0].(map[string]any)["action"] != "launched" {
		t.Fatalf("history = %v", hist)
	}
	refs := st["entityRefs"].([]any)
	if len(refs) == 0 {
		t.Fatalf("entityRefs = %v", refs)
	}

	// Every entity of the stack is in the catalog with the annotations.
	for _, r := range refs {
		ref, err := model.ParseRef(r.(string), "", "")
		if err != nil {
			t.Fatal(err)
		}
		ent := waitEntity(t, srv.URL, strings.ToLower(ref.Kind)+"/"+ref.Namespace+"/"+ref.Name)
		ann := ent["metadata"].(map[string]any)["annotations"].(map[string]any)
		if ann[model.AnnotationSourceTemplate] != "template:default/web-service" || ann[model.AnnotationTemplateVersion] != "2.0.0" ||
			ann[model.AnnotationStack] != "default/checkout" {
			t.Fatalf("%s annotations = %v", r, ann)
		}
		if spec, _ := ent["spec"].(map[string]any); spec["owner"] != "group:default/team-a" {
			t.Fatalf("%s spec = %v", r, spec)
		}
	}

	// The Day-2 planner reads the launched repository: nothing to do.
	if plan := getJSON(t, "POST", srv.URL+"/api/stacks/v1/stacks/default/checkout/plan", `{"toVersion":"2.0.0"}`, 200); plan["status"] != "up-to-date" {
		t.Fatalf("plan = %v", plan)
	}

	// The guardrail minAvailable < replicas is exported into the form's
	// JSON Schema, so a breach is refused at POST /v2/tasks, on its field,
	// with the guardrail's message for the form.
	body, _ := json.Marshal(map[string]any{"templateRef": "template:default/web-service",
		"values": map[string]any{"name": "tight-pdb", "owner": "group:default/team-a", "replicas": 2, "minAvailable": 2}})
	refused := getJSON(t, "POST", srv.URL+"/api/scaffolder/v2/tasks", string(body), 400)
	errs, _ := json.Marshal(refused["errors"])
	if !strings.Contains(string(errs), `"property":"instance.minAvailable"`) || !strings.Contains(string(errs), `"name":"exclusiveMaximum"`) ||
		!strings.Contains(string(errs), `"errorMessage":"minAvailable (${0}) must be lower than replicas (2)`) {
		t.Fatalf("guardrail breach = %v", refused)
	}
	if _, err := git.PlainOpen(filepath.Join(repos, "default", "tight-pdb.git")); err == nil {
		t.Fatal("a refused launch left a repository")
	}
	getJSON(t, "GET", srv.URL+"/api/stacks/v1/stacks/default/tight-pdb", "", 404)
}
