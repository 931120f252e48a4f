package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"

	"github.com/stackyard/stackyard/internal/gittest"
)

// templateRepo is a platform team's template source: a git repository
// whose semver tags are the versions.
type templateRepo struct {
	t    *testing.T
	dir  string
	repo *git.Repository
}

func newTemplateRepo(t *testing.T) *templateRepo {
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return &templateRepo{t: t, dir: dir, repo: repo}
}

// release replaces the repository's files with a version folder of
// schemas/stacks/web-service, commits them and tags the version.
func (r *templateRepo) release(version string) {
	t := r.t
	entries, _ := os.ReadDir(r.dir)
	for _, e := range entries {
		if e.Name() != ".git" {
			_ = os.RemoveAll(filepath.Join(r.dir, e.Name()))
		}
	}
	if err := os.CopyFS(r.dir, os.DirFS(mustAbs("../../schemas/stacks/web-service/"+version))); err != nil {
		t.Fatal(err)
	}
	wt, _ := r.repo.Worktree()
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	h, err := wt.Commit("web-service "+version, &git.CommitOptions{Author: gittest.Signature("platform"), AllowEmptyCommits: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.repo.CreateTag(version, h, nil); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls fn until it holds.
func waitFor(t *testing.T, what string, fn func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !fn(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 30s", what)
		}
	}
}

func fleetGroup(f map[string]any, group string) map[string]any {
	return f["groups"].(map[string]any)[group].(map[string]any)
}

func fleetStacks(g map[string]any) []string {
	var out []string
	for _, s := range g["stacks"].([]any) {
		out = append(out, s.(map[string]any)["stack"].(string))
	}
	return out
}

// TestDay2_UpgradeScenario is issue 4's end-to-end scenario over real git
// repositories: the platform publishes web-service 1.0.0, teams launch it
// through the stock scaffolder API, an owner commits an edit, the platform
// tags 2.0.0; the fleet view, the plans, the upgrade and a rollout then
// each do what the owners and the platform team need.
func TestDay2_UpgradeScenario(t *testing.T) {
	src := newTemplateRepo(t)
	src.release("1.0.0")
	repos := t.TempDir()
	cfg := fmt.Sprintf(`catalog:
  processingInterval: 1h
  locations: [{type: file, target: %q}]
scaffolder: {concurrency: 2}
stacks:
  templates: [{source: %q}]
  repositories: %q
  refreshInterval: 100ms
`, mustAbs("../../catalog/examples/org.yaml"), src.dir, repos)
	srv := startWired(t, cfg)
	base := srv.URL + "/api/stacks/v1"
	tmpl := waitEntity(t, srv.URL, "template/default/web-service")
	if v := tmpl["metadata"].(map[string]any)["annotations"].(map[string]any)["stackyard.dev/template-version"]; v != "1.0.0" {
		t.Fatalf("published template version = %v", v)
	}

	// Three teams launch 1.0.0 with the stock scaffolder API.
	launch := func(values map[string]any) {
		t.Helper()
		if status, events := waitTask(t, srv.URL, launchTask(t, srv.URL, values)); status != "completed" {
			t.Fatalf("launch %v = %s: %s", values["name"], status, events)
		}
	}
	launch(map[string]any{"name": "orders", "owner": "group:default/team-payments", "replicas": 3})
	launch(map[string]any{"name": "payments", "owner": "group:default/team-payments", "replicas": 2, "minAvailable": 2})
	launch(map[string]any{"name": "search", "owner": "group:default/team-search", "replicas": 4})
	ordersRepo := filepath.Join(repos, "default", "orders.git")

	// The owner of orders raises its log level in the repository.
	gittest.Edit(t, ordersRepo, "app/config.json", func(s string) string {
		return strings.Replace(s, `"logLevel": "info"`, `"logLevel": "debug"`, 1)
	})
	if text := gittest.File(t, ordersRepo, "main", "app/config.json"); !strings.Contains(text, `"debug"`) {
		t.Fatalf("the owner edit did not land: %s", text)
	}

	// The platform tags 2.0.0; Stackyard picks it up and republishes.
	src.release("2.0.0")
	waitFor(t, "2.0.0 published", func() bool {
		l := getJSON(t, "GET", base+"/templates", "", 200)["items"].([]any)
		return l[0].(map[string]any)["latestVersion"] == "2.0.0"
	})
	waitFor(t, "the Template entity at 2.0.0", func() bool {
		e := waitEntity(t, srv.URL, "template/default/web-service")
		return e["metadata"].(map[string]any)["annotations"].(map[string]any)["stackyard.dev/template-version"] == "2.0.0"
	})
	versions := getJSON(t, "GET", base+"/templates/web-service/versions", "", 200)["items"].([]any)
	if len(versions) != 2 || !strings.Contains(versions[0].(map[string]any)["changelog"].(string), "PodDisruptionBudget") {
		t.Fatalf("versions = %v", versions)
	}
	behind := getJSON(t, "GET", base+"/stacks?behind=true&template=web-service", "", 200)["items"].([]any)
	if len(behind) != 3 {
		t.Fatalf("behind = %v", behind)
	}

	// The fleet view: orders and search are upgradable, payments is
	// blocked by its owner, who is named.
	fleet := getJSON(t, "GET", base+"/templates/web-service/fleet?toVersion=2.0.0", "", 200)
	ready, blocked := fleetGroup(fleet, "ready"), fleetGroup(fleet, "blocked-by-owner")
	if got := fleetStacks(ready); !slices.Equal(got, []string{"default/orders", "default/search"}) {
		t.Fatalf("ready = %v (fleet %v)", got, fleet)
	}
	if got := fleetStacks(blocked); !slices.Equal(got, []string{"default/payments"}) || fmt.Sprint(blocked["owners"]) != "[group:default/team-payments]" {
		t.Fatalf("blocked-by-owner = %v", blocked)
	}

	// The plan of payments blames the owner's own values, field by field.
	plan := getJSON(t, "POST", base+"/stacks/default/payments/plan", `{"toVersion":"2.0.0"}`, 200)
	if plan["status"] != "blocked" || plan["blockedBy"] != "owner" {
		t.Fatalf("payments plan = %v", plan)
	}
	b := plan["blockers"].([]any)[0].(map[string]any)
	if b["guardrail"] != "pdb-allows-eviction" || b["responsible"] != "owner" || b["contact"] != "group:default/team-payments" {
		t.Fatalf("blocker = %v", b)
	}
	origins := map[string]string{}
	for _, f := range b["fields"].([]any) {
		f := f.(map[string]any)
		origins[f["field"].(string)] = f["origin"].(string)
	}
	if origins["minAvailable"] != "owner-value" || origins["replicas"] != "owner-value" {
		t.Fatalf("field origins = %v", origins)
	}

	// The plan of orders keeps the owner's edit next to the template's changes.
	plan = getJSON(t, "POST", base+"/stacks/default/orders/plan", `{"toVersion":"2.0.0"}`, 200)
	if plan["status"] != "ready" {
		t.Fatalf("orders plan = %v", plan)
	}
	changes := map[string]string{}
	for _, f := range plan["files"].([]any) {
		f := f.(map[string]any)
		changes[f["path"].(string)] = f["change"].(string) + "/" + f["merge"].(string)
		if strings.Contains(fmt.Sprint(f["diff"]), `-  "logLevel": "debug"`) {
			t.Fatalf("the plan drops the owner's edit: %v", f["diff"])
		}
	}
	if changes["app/config.json"] != "unchanged/clean" || changes["deploy/pdb.yaml"] != "added/clean" || changes["deploy/deployment.yaml"] != "modified/clean" {
		t.Fatalf("file changes = %v", changes)
	}
	digest := plan["digest"].(string)

	// An upgrade needs the digest of a plan that still holds.
	getJSON(t, "POST", base+"/stacks/default/orders/upgrade", `{"toVersion":"2.0.0"}`, 400)
	stale := getJSON(t, "POST", base+"/stacks/default/orders/upgrade", `{"toVersion":"2.0.0","planDigest":"sha256:0"}`, 409)
	if e := stale["error"].(map[string]any); e["name"] != "ConflictError" || !strings.Contains(e["message"].(string), "plan again") {
		t.Fatalf("stale digest = %v", stale)
	}

	// The upgrade runs as a task and lands on the default branch.
	started := getJSON(t, "POST", base+"/stacks/default/orders/upgrade", fmt.Sprintf(`{"toVersion":"2.0.0","planDigest":%q}`, digest), 202)
	if started["branch"] != "stackyard/upgrade-2.0.0" {
		t.Fatalf("upgrade = %v", started)
	}
	if status, events := waitTask(t, srv.URL, started["taskId"].(string)); status != "completed" {
		t.Fatalf("upgrade task = %s: %s", status, events)
	}
	head := gittest.Head(t, ordersRepo, "main")
	config := gittest.File(t, ordersRepo, "main", "app/config.json")
	pdb := gittest.File(t, ordersRepo, "main", "deploy/pdb.yaml")
	deployment := gittest.File(t, ordersRepo, "main", "deploy/deployment.yaml")
	if !strings.HasPrefix(head.Message, "Upgrade web-service 1.0.0 → 2.0.0") || !strings.Contains(config, `"debug"`) ||
		!strings.Contains(pdb, "minAvailable: 1") || !strings.Contains(deployment, "readinessProbe") {
		t.Fatalf("main after the upgrade: %q\nconfig.json %s\npdb.yaml %s", head.Message, config, pdb)
	}
	if branch := gittest.Head(t, ordersRepo, "stackyard/upgrade-2.0.0"); branch.Hash != head.Hash {
		t.Fatalf("main %s is not the upgrade branch %s", head.Hash, branch.Hash)
	}
	st := getJSON(t, "GET", base+"/stacks/default/orders", "", 200)
	hist := st["history"].([]any)
	if st["version"] != "2.0.0" || st["behind"] != false || hist[len(hist)-1].(map[string]any)["action"] != "upgraded" {
		t.Fatalf("orders after the upgrade = %v", st)
	}
	waitFor(t, "orders' Component at template-version 2.0.0", func() bool {
		e := waitEntity(t, srv.URL, "component/default/orders")
		return e["metadata"].(map[string]any)["annotations"].(map[string]any)["backstage.io/template-version"] == "2.0.0"
	})

	// A rollout upgrades search and skips payments, reporting its owner.
	r := getJSON(t, "POST", base+"/templates/web-service/rollouts",
		`{"toVersion":"2.0.0","selector":{"stacks":["default/search","default/payments"]},"maxConcurrent":1,"stopOnFirstFailure":true}`, 202)
	id := r["id"].(string)
	if status, events := waitTask(t, srv.URL, r["taskId"].(string)); status != "completed" {
		t.Fatalf("rollout task = %s: %s", status, events)
	}
	r = getJSON(t, "GET", base+"/rollouts/"+id, "", 200)
	states := map[string]string{}
	for _, s := range r["stacks"].([]any) {
		s := s.(map[string]any)
		states[s["stack"].(string)] = s["state"].(string) + "/" + s["group"].(string)
	}
	if r["status"] != "completed" || states["default/search"] != "upgraded/ready" || states["default/payments"] != "skipped/blocked-by-owner" || len(states) != 2 {
		t.Fatalf("rollout = %v", r)
	}
	owners, _ := json.Marshal(r["blockedOwners"])
	if string(owners) != `[{"group":"blocked-by-owner","owner":"group:default/team-payments","stacks":["default/payments"]}]` {
		t.Fatalf("blocked owners = %s", owners)
	}
	if v := getJSON(t, "GET", base+"/stacks/default/search", "", 200)["version"]; v != "2.0.0" {
		t.Fatalf("search after the rollout is on %v", v)
	}
	if v := getJSON(t, "GET", base+"/stacks/default/payments", "", 200)["version"]; v != "1.0.0" {
		t.Fatalf("payments after the rollout is on %v", v)
	}
	fleet = getJSON(t, "GET", base+"/templates/web-service/fleet", "", 200)
	if got := fleetStacks(fleetGroup(fleet, "up-to-date")); !slices.Equal(got, []string{"default/orders", "default/search"}) {
		t.Fatalf("up-to-date after the rollout = %v", got)
	}
	getJSON(t, "GET", base+"/rollouts/nope", "", 404)

	// The owner of orders edits on 2.0.0, then rolls the upgrade back: the
	// revert undoes the template's changes and keeps both owner edits.
	gittest.Edit(t, ordersRepo, "deploy/service.yaml", func(s string) string { return s + "# team-payments: keep port 80\n" })
	back := getJSON(t, "POST", base+"/stacks/default/orders/rollback", "", 202)
	if status, events := waitTask(t, srv.URL, back["taskId"].(string)); status != "completed" || back["toVersion"] != "1.0.0" {
		t.Fatalf("rollback %v = %s: %s", back, status, events)
	}
	head = gittest.Head(t, ordersRepo, "main")
	if !strings.HasPrefix(head.Message, "Roll web-service back 2.0.0 → 1.0.0") ||
		gittest.File(t, ordersRepo, "main", "deploy/pdb.yaml") != "" ||
		strings.Contains(gittest.File(t, ordersRepo, "main", "deploy/deployment.yaml"), "readinessProbe") ||
		!strings.Contains(gittest.File(t, ordersRepo, "main", "app/config.json"), `"debug"`) ||
		!strings.Contains(gittest.File(t, ordersRepo, "main", "deploy/service.yaml"), "keep port 80") {
		t.Fatalf("main after the rollback: %q", head.Message)
	}
	st = getJSON(t, "GET", base+"/stacks/default/orders", "", 200)
	hist = st["history"].([]any)
	if st["version"] != "1.0.0" || hist[len(hist)-1].(map[string]any)["action"] != "rolled-back" || fmt.Sprint(st["values"]) != fmt.Sprint(map[string]any{"name": "orders", "owner": "group:default/team-payments", "replicas": 3}) {
		t.Fatalf("orders after the rollback = %v", st)
	}
	waitFor(t, "orders' Component back at template-version 1.0.0", func() bool {
		e := waitEntity(t, srv.URL, "component/default/orders")
		return e["metadata"].(map[string]any)["annotations"].(map[string]any)["backstage.io/template-version"] == "1.0.0"
	})
	again := getJSON(t, "POST", base+"/stacks/default/orders/rollback", "", 409)
	if !strings.Contains(again["error"].(map[string]any)["message"].(string), "no upgrade to roll back") {
		t.Fatalf("second rollback = %v", again)
	}
}
