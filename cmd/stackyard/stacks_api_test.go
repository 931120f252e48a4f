package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/scaffolder/stacks"
	stackstore "github.com/stackyard/stackyard/scaffolder/stacks/store"
)

// stacksConfig loads the example templates of schemas/stacks.
func stacksConfig() string {
	return fmt.Sprintf("stacks:\n  templates: [{source: %q}, {source: %q}]\n",
		mustAbs("../../schemas/stacks/web-service"), mustAbs("../../schemas/stacks/postgres-database"))
}

const stacksCatalog = `
catalog:
  processingInterval: 1h
scaffolder: {concurrency: 0}
`

func getJSON(t testing.TB, method, url, body string, want int) map[string]any {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d %s, want %d", method, url, resp.StatusCode, data, want)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, url, err, data)
	}
	return out
}

// TestStacksAPI_TemplatesVersionsAndCatalog: the configured templates are
// listed with their versions and changelogs, and the newest version of
// each is published in the catalog as a v1beta3 Template.
func TestStacksAPI_TemplatesVersionsAndCatalog(t *testing.T) {
	srv := startWired(t, stacksCatalog+stacksConfig())
	list := getJSON(t, "GET", srv.URL+"/api/stacks/v1/templates", "", 200)["items"].([]any)
	if len(list) != 2 {
		t.Fatalf("templates = %v", list)
	}
	ps, web := list[0].(map[string]any), list[1].(map[string]any)
	if ps["name"] != "postgres-database" || web["name"] != "web-service" || web["latestVersion"] != "2.0.0" || len(web["versions"].([]any)) != 2 {
		t.Fatalf("templates = %v", list)
	}
	vs := getJSON(t, "GET", srv.URL+"/api/stacks/v1/templates/web-service/versions", "", 200)["items"].([]any)
	v2 := vs[0].(map[string]any)
	if len(vs) != 2 || v2["version"] != "2.0.0" || v2["latest"] != true || !strings.Contains(v2["changelog"].(string), "PodDisruptionBudget") {
		t.Fatalf("versions = %v", vs)
	}
	if vs[1].(map[string]any)["version"] != "1.0.0" {
		t.Fatalf("versions not newest first: %v", vs)
	}
	e := getJSON(t, "GET", srv.URL+"/api/stacks/v1/templates/nope/versions", "", 404)
	if e["error"].(map[string]any)["name"] != "NotFoundError" {
		t.Fatalf("missing template: %v", e)
	}
	var ent map[string]any
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(srv.URL + "/api/catalog/entities/by-name/template/default/web-service")
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			_ = json.Unmarshal(data, &ent)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web-service Template never reached the catalog: %d %s", resp.StatusCode, data)
		}
	}
	md := ent["metadata"].(map[string]any)
	steps := ent["spec"].(map[string]any)["steps"].([]any)
	if ent["apiVersion"] != "scaffolder.backstage.io/v1beta3" || md["annotations"].(map[string]any)[stacks.AnnotationVersion] != "2.0.0" ||
		steps[0].(map[string]any)["action"] != stacks.LaunchAction {
		t.Fatalf("template entity = %v", ent)
	}
}

// stackRepo makes a stack repository: web-service 1.0.0 rendered with
// values, committed, then the owner's edit of README.md committed on top.
func stackRepo(t *testing.T, values map[string]any) string {
	t.Helper()
	return stackRepoOf(t, webService(t, "1.0.0"), values)
}

// webService loads a version of the web-service example.
func webService(t testing.TB, version string) *stacks.Template {
	ctx := context.Background()
	src, err := stacks.OpenSource(ctx, mustAbs("../../schemas/stacks/web-service"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := src.Load(ctx, version, stacks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// stackRepoOf is stackRepo on a loaded template version.
func stackRepoOf(t testing.TB, tpl *stacks.Template, values map[string]any) string {
	t.Helper()
	res, err := tpl.Render(context.Background(), stacks.Input{Values: values})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	commit := func(msg string) {
		if err := wt.AddGlob("."); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	for p, data := range res.FileMap() {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit("launch")
	readme := filepath.Join(dir, "README.md")
	old, _ := os.ReadFile(readme)
	if err := os.WriteFile(readme, append(old, []byte("\nOn call: #checkout-oncall\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	commit("owner edit")
	return dir
}

// recordStack writes a stack record into the wired server's database.
func recordStack(t *testing.T, st *stackstore.Stack) {
	t.Helper()
	g, err := db.Open(context.Background(), os.Getenv("STACKYARD_DATABASE_URL"), db.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := stackstore.New(g).Create(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if sqlDB, err := g.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func checkoutStack(t *testing.T, owner string) *stackstore.Stack {
	values := map[string]any{"name": "checkout", "owner": owner}
	return &stackstore.Stack{Name: "checkout", Template: "template:default/web-service", Version: "1.0.0", Digest: "sha256:x",
		Values: values, Repository: stackRepo(t, values), Owner: owner, Lifecycle: "experimental",
		EntityRefs: []string{"component:default/checkout"}, History: []stackstore.Event{{Action: "launch", To: "1.0.0"}}}
}

// TestStacksAPI_StacksAndPlan: a stack on 1.0.0 is listed as behind, read
// with its latest version and history, and planned to 2.0.0 against its
// repository, keeping the owner's edit.
func TestStacksAPI_StacksAndPlan(t *testing.T) {
	srv := startWired(t, stacksCatalog+stacksConfig())
	recordStack(t, checkoutStack(t, "group:default/team-a"))
	api := srv.URL + "/api/stacks/v1"
	for q, want := range map[string]int{
		"": 1, "?behind=true": 1, "?template=web-service": 1, "?template=postgres-database": 0,
		"?owner=group:default/team-a": 1, "?owner=group:default/other": 0,
	} {
		if got := getJSON(t, "GET", api+"/stacks"+q, "", 200)["items"].([]any); len(got) != want {
			t.Errorf("GET /stacks%s = %d stacks, want %d", q, len(got), want)
		}
	}
	getJSON(t, "GET", api+"/stacks?behind=maybe", "", 400)
	st := getJSON(t, "GET", api+"/stacks/default/checkout", "", 200)
	if st["version"] != "1.0.0" || st["latestVersion"] != "2.0.0" || st["behind"] != true || len(st["history"].([]any)) != 1 || st["repository"] == "" {
		t.Fatalf("stack = %v", st)
	}
	getJSON(t, "GET", api+"/stacks/default/nope", "", 404)

	plan := getJSON(t, "POST", api+"/stacks/default/checkout/plan", `{"toVersion": "2.0.0"}`, 200)
	if plan["from"] != "1.0.0" || plan["to"] != "2.0.0" || plan["digest"] == "" {
		t.Fatalf("plan = %v", plan)
	}
	if s := plan["status"]; s != "ready" && s != "conflicts" {
		t.Fatalf("status = %v: %v", s, plan["blockers"])
	}
	var readme map[string]any
	for _, f := range plan["files"].([]any) {
		if f := f.(map[string]any); f["path"] == "README.md" {
			readme = f
		}
	}
	// The template changes README.md (it names its version) and the owner
	// added a line: the merge keeps the line, so the diff from the
	// repository to the result does not remove it.
	if readme == nil || readme["change"] != "modified" || readme["merge"] != "clean" ||
		!strings.Contains(readme["diff"].(string), "+Owned by group:default/team-a. Created from the web-service template, version 2.0.0.") ||
		strings.Contains(readme["diff"].(string), "-On call") {
		t.Fatalf("README.md in plan = %v", readme)
	}
	latest := getJSON(t, "POST", api+"/stacks/default/checkout/plan", ``, 200)
	if latest["to"] != "2.0.0" {
		t.Fatalf("plan without toVersion goes to %v", latest["to"])
	}
	same := getJSON(t, "POST", api+"/stacks/default/checkout/plan", `{"toVersion": "1.0.0"}`, 200)
	if same["status"] != "up-to-date" {
		t.Fatalf("plan to the current version = %v", same["status"])
	}
	getJSON(t, "POST", api+"/stacks/default/checkout/plan", `{"toVersion": "9.9.9"}`, 404)
	getJSON(t, "POST", api+"/stacks/default/checkout/plan", `{"to": "2.0.0"}`, 400)
	getJSON(t, "POST", api+"/stacks/default/nope/plan", `{}`, 404)
}

// TestStacksAPI_PlanNeedsOwnership: planning is a mutation: a member of
// the owning group (directly) and an admin may plan, anyone else gets 403
// NotAllowedError, and the denial is audited.
func TestStacksAPI_PlanNeedsOwnership(t *testing.T) {
	s := startAuthServerWith(t, stacksConfig())
	recordStack(t, checkoutStack(t, "group:default/engineering"))
	path := "/api/stacks/v1/stacks/default/checkout/plan"
	body := map[string]any{"toVersion": "2.0.0"}
	status, data := s.as("sam", "POST", path, body)
	s.expect(status, data, false, 200, "stacks.stack.plan", "group:default/engineering")
	s.expectAudit("stack:default/checkout", "user:default/sam", "stacks.stack.plan", "denied")
	for _, user := range []string{"dana", "ada"} {
		status, data := s.as(user, "POST", path, body)
		s.expect(status, data, true, 200, "", "")
	}
	s.expectAudit("stack:default/checkout", "user:default/dana", "stacks.stack.plan", "allowed")
	if status, _ := s.as("sam", "GET", "/api/stacks/v1/stacks/default/checkout", nil); status != 200 {
		t.Errorf("reading a stack = %d, want 200", status)
	}
}

// TestStacksAPI_Fleet: the fleet view of web-service at 2.0.0 puts a
// plain stack among the upgradable ones and a stack whose owner set
// minAvailable = replicas = 2 under blocked-by-owner, naming that owner.
func TestStacksAPI_Fleet(t *testing.T) {
	srv := startWired(t, stacksCatalog+stacksConfig())
	recordStack(t, checkoutStack(t, "group:default/team-a"))
	tight := map[string]any{"name": "payments", "owner": "group:default/team-b", "replicas": 2, "minAvailable": 2}
	recordStack(t, &stackstore.Stack{Name: "payments", Template: "template:default/web-service", Version: "1.0.0",
		Values: tight, Repository: stackRepo(t, tight), Owner: "group:default/team-b", Lifecycle: "experimental"})
	api := srv.URL + "/api/stacks/v1/templates"
	f := getJSON(t, "GET", api+"/web-service/fleet?toVersion=2.0.0", "", 200)
	groups := f["groups"].(map[string]any)
	group := func(name string) map[string]any { return groups[name].(map[string]any) }
	upgradable := group("ready")["count"].(float64) + group("conflicts")["count"].(float64)
	if f["total"] != float64(2) || f["toVersion"] != "2.0.0" || upgradable != 1 || group("failed")["count"] != float64(0) {
		t.Fatalf("fleet = %v", f)
	}
	blocked := group("blocked-by-owner")
	if blocked["count"] != float64(1) || fmt.Sprint(blocked["owners"]) != "[group:default/team-b]" ||
		blocked["stacks"].([]any)[0].(map[string]any)["stack"] != "default/payments" {
		t.Fatalf("blocked-by-owner = %v", blocked)
	}
	current := getJSON(t, "GET", api+"/web-service/fleet?toVersion=1.0.0", "", 200)
	if current["groups"].(map[string]any)["up-to-date"].(map[string]any)["count"] != float64(2) {
		t.Fatalf("fleet at 1.0.0 = %v", current)
	}
	if latest := getJSON(t, "GET", api+"/web-service/fleet", "", 200); latest["toVersion"] != "2.0.0" {
		t.Fatalf("fleet without toVersion goes to %v", latest["toVersion"])
	}
	if empty := getJSON(t, "GET", api+"/postgres-database/fleet", "", 200); empty["total"] != float64(0) {
		t.Fatalf("postgres fleet = %v", empty)
	}
	getJSON(t, "GET", api+"/nope/fleet", "", 404)
	getJSON(t, "GET", api+"/web-service/fleet?toVersion=9.9.9", "", 404)
}

// TestStacksAPI_UpgradeAndRolloutNeedOwnership: upgrading a stack needs
// its ownership (a member of the owning group, directly or through a
// parent group, or an admin), rolling a template out needs the
// template's (the platform team's); every decision is audited, and the
// upgrade task is readable by the stack's owners.
func TestStacksAPI_UpgradeAndRolloutNeedOwnership(t *testing.T) {
	s := startAuthServerWith(t, stacksConfig())
	recordStack(t, checkoutStack(t, "group:default/engineering"))
	stack := "/api/stacks/v1/stacks/default/checkout"
	status, data := s.as("dana", "POST", stack+"/plan", map[string]any{"toVersion": "2.0.0"})
	var plan struct{ Digest string }
	if err := json.Unmarshal(data, &plan); status != 200 || err != nil || plan.Digest == "" {
		t.Fatalf("plan = %d %s", status, data)
	}
	body := map[string]any{"toVersion": "2.0.0", "planDigest": plan.Digest}

	status, data = s.as("sam", "POST", stack+"/upgrade", body)
	s.expect(status, data, false, 202, "stacks.stack.upgrade", "group:default/engineering")
	s.expectAudit("stack:default/checkout", "user:default/sam", "stacks.stack.upgrade", "denied")
	status, data = s.as("dana", "POST", stack+"/upgrade", body)
	s.expect(status, data, true, 202, "", "")
	s.expectAudit("stack:default/checkout", "user:default/dana", "stacks.stack.upgrade", "allowed")
	var started struct{ TaskID string }
	_ = json.Unmarshal(data, &started)
	if status, _ := s.as("paul", "GET", "/api/scaffolder/v2/tasks/"+started.TaskID, nil); status != 200 {
		t.Errorf("a member of the owning group's child reads the upgrade task = %d, want 200", status)
	}
	if status, _ := s.as("sam", "GET", "/api/scaffolder/v2/tasks/"+started.TaskID, nil); status != 404 {
		t.Errorf("a non-owner reads the upgrade task = %d, want 404", status)
	}

	status, data = s.as("sam", "POST", stack+"/rollback", nil)
	s.expect(status, data, false, 202, "stacks.stack.rollback", "group:default/engineering")
	s.expectAudit("stack:default/checkout", "user:default/sam", "stacks.stack.rollback", "denied")
	if status, data := s.as("dana", "POST", stack+"/rollback", nil); status != 409 {
		t.Errorf("an owner rolls back a stack that was never upgraded = %d %s, want 409", status, data)
	}

	rollouts := "/api/stacks/v1/templates/web-service/rollouts"
	status, data = s.as("dana", "POST", rollouts, map[string]any{"toVersion": "2.0.0", "maxConcurrent": 2})
	s.expect(status, data, false, 202, "stacks.template.rollout", "group:default/platform")
	s.expectAudit("template:default/web-service", "user:default/dana", "stacks.template.rollout", "denied")
	status, data = s.as("ada", "POST", rollouts, map[string]any{"toVersion": "2.0.0", "maxConcurrent": 2})
	s.expect(status, data, true, 202, "", "")
	s.expectAudit("template:default/web-service", "user:default/ada", "stacks.template.rollout", "allowed")
	var r struct{ ID, Status, TaskID string }
	_ = json.Unmarshal(data, &r)
	if status, data := s.as("sam", "GET", "/api/stacks/v1/rollouts/"+r.ID, nil); status != 200 || !strings.Contains(string(data), `"status":"pending"`) {
		t.Errorf("reading a rollout = %d %s", status, data)
	}
	// The platform team may cancel the rollout's task; the rollout says so.
	if status, data := s.as("ada", "POST", "/api/scaffolder/v2/tasks/"+r.TaskID+"/cancel", nil); status != 200 {
		t.Fatalf("cancel the rollout task = %d %s", status, data)
	}
	if status, data := s.as("sam", "GET", "/api/stacks/v1/rollouts/"+r.ID, nil); status != 200 || !strings.Contains(string(data), `"status":"cancelled"`) {
		t.Errorf("a rollout whose task was cancelled = %d %s", status, data)
	}
	status, data = s.as("ada", "POST", rollouts, map[string]any{"maxConcurrent": 99})
	if name, _ := errorOf(data); status != 400 || name != "InputError" {
		t.Errorf("maxConcurrent 99 = %d %s", status, data)
	}
}
