package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestUI_StackLaunch launches the web-service stack template from the stock
// Backstage 1.45.3 app's /create page in headless Chromium
// (e2e/ui/stacks.test.mjs): the form drawn from the JSON Schema exported
// from the template's CUE parameters, a breach of the guardrail
// minAvailable < replicas that launches nothing and is named in the UI, and
// a launch that runs to its end, after which Stackyard has the stack, its
// bare repository and its Component at backstage.io/template-version 2.0.0.
// Screenshots go to e2e/artifacts/ui[-postgres]/stacks/.
//
// Stackyard runs with the repository's config.yaml except that
// stacks.repositories is a temporary directory, so the test writes no
// repository into data/repos. Like the other UI tests it needs
// STACKYARD_UI_APP_DIR, STACKYARD_PEER_DIR and /usr/bin/chromium, and the
// fixed addresses baked into the app.
func TestUI_StackLaunch(t *testing.T) {
	appDir, peerDir := requireUI(t)
	startUIPeer(t, peerDir)
	repos := filepath.Join(t.TempDir(), "repos")
	base := startUIStackyardConfig(t, uiStacksConfig(t, repos))
	runNode(t, []string{
		"STACKYARD_URL=" + base,
		"PEER_URL=http://" + uiPeerAddr,
		"STACKYARD_UI_APP_DIR=" + appDir,
		"ARTIFACTS_DIR=" + uiArtifacts("stacks"),
		"STACK_NAME=ui-web-service",
		"STACK_REPOSITORIES=" + repos,
	}, filepath.Join(repoRoot(), "e2e", "ui", "stacks.test.mjs"))
}

// uiStacksConfig writes the repository's config.yaml into a temporary
// directory with its relative paths made absolute and stacks.repositories
// set to repos, and returns the file's path.
func uiStacksConfig(t *testing.T, repos string) string {
	t.Helper()
	root := repoRoot()
	data, err := os.ReadFile(filepath.Join(root, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Server   map[string]any `yaml:"server"`
		Database map[string]any `yaml:"database"`
		Catalog  map[string]any `yaml:"catalog"`
		Stacks   struct {
			Repositories string              `yaml:"repositories"`
			Templates    []map[string]string `yaml:"templates"`
		} `yaml:"stacks"`
		Rest map[string]any `yaml:",inline"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("config.yaml: %v", err)
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	locations, _ := cfg.Catalog["locations"].([]any)
	for _, l := range locations {
		if m, ok := l.(map[string]any); ok && m["type"] == "file" {
			m["target"] = abs(m["target"].(string))
		}
	}
	for _, tmpl := range cfg.Stacks.Templates {
		tmpl["source"] = abs(tmpl["source"])
	}
	if len(cfg.Stacks.Templates) == 0 {
		t.Fatal("config.yaml loads no stack templates")
	}
	cfg.Stacks.Repositories = repos
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startUIStackyardConfig is startUIStackyard with another config file: the
// listen address and the database still come from the environment.
func startUIStackyardConfig(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	base, _ := startUIStackyardAt(t, dir, config, databaseURL(t, dir), "stackyard.log")
	return base
}
