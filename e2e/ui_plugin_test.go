package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// pluginStacks are the stacks TestUI_Plugin launches, one per fleet group
// of web-service 2.0.0 but conflicts and failed. The first three are
// launched while 1.0.0 is the newest version, the last after 2.0.0 is out.
var pluginStacks = []struct {
	values map[string]any
	group  string // in the fleet at 2.0.0
}{
	// 2.0.0 raises the replicas and minAvailable defaults: merges cleanly.
	{map[string]any{"name": "cart-web", "owner": "group:default/team-payments",
		"description": "The shopping cart, launched by e2e/ui_plugin_test.go"}, "ready"},
	// The owner's own minAvailable = replicas breaks 2.0.0's new guardrail.
	{map[string]any{"name": "billing-web", "owner": "group:default/team-payments", "replicas": 2, "minAvailable": 2}, "blocked-by-owner"},
	// 2.0.0's new minAvailable default (1) breaks the guardrail against the
	// owner's replicas = 1: the template's change, so the platform's.
	{map[string]any{"name": "legacy-web", "owner": "group:default/team-search", "replicas": 1}, "blocked-by-platform"},
	// Launched at 2.0.0.
	{map[string]any{"name": "profile-web", "owner": "group:default/team-search"}, "up-to-date"},
}

// TestUI_Plugin drives Stackyard's own Backstage plugin (frontend-plugin/,
// built into the stock app by e2e/ui/setup.sh) in headless Chromium
// (e2e/ui/plugin.test.mjs): a stack's "Stack" tab on its component page
// and its upgrade plan from web-service 1.0.0 to 2.0.0, and the /stacks
// fleet page with its counts.
//
// The stacks are launched as a user would, through the scaffolder API
// (POST /api/scaffolder/v2/tasks with template:default/web-service): first
// with a copy of the web-service template source that has only 1.0.0, then
// Stackyard is restarted on the same database and repositories with 2.0.0
// added, as when the platform team publishes a version. Screenshots go to
// e2e/artifacts/ui/plugin/.
func TestUI_Plugin(t *testing.T) {
	appDir, peerDir := requireUI(t)
	requirePluginCopy(t, appDir)
	startUIPeer(t, peerDir)

	dir := t.TempDir()
	templates := filepath.Join(dir, "templates", "web-service")
	pluginCopyDir(t, filepath.Join(repoRoot(), "schemas", "stacks", "web-service", "1.0.0"), filepath.Join(templates, "1.0.0"))
	config := pluginConfig(t, dir, templates)
	dbURL := databaseURL(t, dir)

	began := time.Now()
	base, stopFirst := startUIStackyardAt(t, dir, config, dbURL, "stackyard-1.0.0.log")
	for _, s := range pluginStacks[:3] {
		pluginLaunch(t, base, s.values, "1.0.0")
	}
	stopFirst()

	pluginCopyDir(t, filepath.Join(repoRoot(), "schemas", "stacks", "web-service", "2.0.0"), filepath.Join(templates, "2.0.0"))
	base, _ = startUIStackyardAt(t, dir, config, dbURL, "stackyard.log")
	pluginLaunch(t, base, pluginStacks[3].values, "2.0.0")
	t.Logf("launched %d stacks across two starts in %s", len(pluginStacks), time.Since(began).Round(time.Millisecond))

	// The server's own fleet view first, so that a wrong group is told
	// apart from a wrong page.
	_, body := pluginCall(t, "GET", base+"/api/stacks/v1/templates/web-service/fleet", nil)
	var fleet struct {
		Groups map[string]struct {
			Stacks []struct{ Stack string }
		}
	}
	if err := json.Unmarshal([]byte(body), &fleet); err != nil {
		t.Fatalf("fleet = %s", body)
	}
	for _, s := range pluginStacks {
		found := false
		for _, fs := range fleet.Groups[s.group].Stacks {
			found = found || fs.Stack == "default/"+s.values["name"].(string)
		}
		if !found {
			t.Fatalf("default/%s is not in the fleet's %s group: %s", s.values["name"], s.group, body)
		}
	}

	runNode(t, []string{
		"STACKYARD_URL=" + base,
		"PEER_URL=http://" + uiPeerAddr,
		"STACKYARD_UI_APP_DIR=" + appDir,
		"ARTIFACTS_DIR=" + uiArtifacts("plugin"),
		"PLUGIN_STACK=default/" + pluginStacks[0].values["name"].(string),
		"PLUGIN_BLOCKED_STACK=default/" + pluginStacks[2].values["name"].(string),
	}, filepath.Join(repoRoot(), "e2e", "ui", "plugin.test.mjs"))
}

// TestUI_PluginUnit type-checks frontend-plugin with tsc and runs its jest
// tests (backstage-cli package test), both from the app's node_modules, in
// the copy setup.sh made (STACKYARD_UI_APP_DIR/plugins/stacks); the plugin
// needs no package the app lacks. No browser, no database: it runs in the
// SQLite pass of the e2e suite only.
func TestUI_PluginUnit(t *testing.T) {
	if dbtest.Engine() == "postgres" {
		t.Skip("uses no database: runs in the SQLite pass")
	}
	requireUINode(t)
	appDir := os.Getenv("STACKYARD_UI_APP_DIR")
	require(t, appDir != "", "STACKYARD_UI_APP_DIR is not set (export STACKYARD_UI_APP_DIR=$(e2e/ui/setup.sh))")
	requirePluginCopy(t, appDir)
	dir := filepath.Join(appDir, "plugins", "stacks")
	bin := filepath.Join(appDir, "node_modules", ".bin")
	type result struct {
		name string
		out  []byte
		err  error
	}
	results := make(chan result, 2)
	for name, args := range map[string][]string{
		"tsc":  {filepath.Join(bin, "tsc"), "--noEmit", "-p", "."},
		"jest": {filepath.Join(bin, "backstage-cli"), "package", "test", "--watchAll=false"},
	} {
		go func() {
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CI=true", "NO_COLOR=1", "FORCE_COLOR=0")
			out, err := cmd.CombinedOutput()
			results <- result{name, out, err}
		}()
	}
	for range 2 {
		r := <-results
		t.Logf("%s:\n%s", r.name, bytes.TrimSpace(r.out))
		if r.err != nil {
			t.Errorf("%s in %s: %v", r.name, dir, r.err)
		}
	}
}

// requirePluginCopy checks that the app was built with frontend-plugin as
// it is now: setup.sh copies it into the app, so a plugin edited since
// would be tested stale.
func requirePluginCopy(t *testing.T, appDir string) {
	t.Helper()
	_, err := os.Stat(filepath.Join(appDir, "node_modules", "@stackyard", "backstage-plugin-stacks", "package.json"))
	require(t, err == nil, "%s was built without frontend-plugin (run e2e/ui/setup.sh again)", appDir)
	src := filepath.Join(repoRoot(), "frontend-plugin")
	copied := filepath.Join(appDir, "plugins", "stacks")
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && (rel == "node_modules" || rel == "dist" || rel == "dist-types") {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		want, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if got, err := os.ReadFile(filepath.Join(copied, rel)); err != nil || !bytes.Equal(got, want) {
			return fmt.Errorf("frontend-plugin/%s changed since e2e/ui/setup.sh built the app; run it again", filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pluginConfig writes the repository's config.yaml (CORS for the app,
// the example catalog) with absolute paths, the web-service source
// replaced by templates and the stack repositories in dir.
func pluginConfig(t *testing.T, dir, templates string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(), "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for old, repl := range map[string]string{
		"target: ./catalog/all.yaml":                 "target: " + filepath.Join(repoRoot(), "catalog", "all.yaml"),
		"repositories: data/repos":                   "repositories: " + filepath.Join(dir, "repos"),
		"source: ./schemas/stacks/web-service":       "source: " + templates,
		"source: ./schemas/stacks/postgres-database": "source: " + filepath.Join(repoRoot(), "schemas", "stacks", "postgres-database"),
	} {
		if strings.Count(text, old) != 1 {
			t.Fatalf("config.yaml no longer has %q once; update pluginConfig", old)
		}
		text = strings.Replace(text, old, repl, 1)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pluginLaunch launches a web-service stack through the stock scaffolder
// API, waits for the task to complete, and checks the stack's version.
func pluginLaunch(t *testing.T, base string, values map[string]any, version string) {
	t.Helper()
	// The Template is published once the source is loaded; wait for it.
	pluginPoll(t, 30*time.Second, "template:default/web-service@"+version+" in the catalog", func() (bool, string) {
		code, body := pluginCall(t, "GET", base+"/api/catalog/entities/by-name/template/default/web-service", nil)
		return code == 200 && strings.Contains(body, `"`+version+`"`), body
	})
	code, body := pluginCall(t, "POST", base+"/api/scaffolder/v2/tasks",
		map[string]any{"templateRef": "template:default/web-service", "values": values})
	var task struct{ ID string }
	if err := json.Unmarshal([]byte(body), &task); code != 201 || err != nil || task.ID == "" {
		t.Fatalf("launch %v = %d %s", values["name"], code, body)
	}
	pluginPoll(t, 60*time.Second, "task "+task.ID+" to end", func() (bool, string) {
		_, body := pluginCall(t, "GET", base+"/api/scaffolder/v2/tasks/"+task.ID, nil)
		var st struct{ Status string }
		_ = json.Unmarshal([]byte(body), &st)
		switch st.Status {
		case "completed":
			return true, body
		case "failed", "cancelled":
			_, events := pluginCall(t, "GET", base+"/api/scaffolder/v2/tasks/"+task.ID+"/events", nil)
			t.Fatalf("launch of %v %s: %s", values["name"], st.Status, events)
		}
		return false, body
	})
	_, body = pluginCall(t, "GET", fmt.Sprintf("%s/api/stacks/v1/stacks/default/%s", base, values["name"]), nil)
	var st struct{ Version string }
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Version != version {
		t.Fatalf("stack %v = %s, want version %s", values["name"], body, version)
	}
}

func pluginCall(t *testing.T, method, url string, body any) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

func pluginPoll(t *testing.T, timeout time.Duration, what string, done func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := done()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last answer: %.500s", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pluginCopyDir copies a directory tree of regular files.
func pluginCopyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
