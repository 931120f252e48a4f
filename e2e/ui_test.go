package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// The stock Backstage app reads its config at build time, so the UI test
// runs everything on the fixed addresses baked in by e2e/ui/app-config.yaml.
const (
	uiStackyardAddr = "127.0.0.1:7107" // catalog, scaffolder, stacks
	uiPeerAddr      = "127.0.0.1:7117" // auth (guest sign-in)
	uiAppAddr       = "127.0.0.1:3000" // the app; config.yaml's server.cors allows it
)

// TestUI_BackstageApp drives the stock Backstage 1.45.3 frontend in headless
// Chromium against Stackyard, loaded by the repository's own config.yaml with
// the example catalog, and the reference peer for guest sign-in
// (e2e/ui/ui.test.mjs).
//
// It needs STACKYARD_UI_APP_DIR, the app built by e2e/ui/setup.sh,
// STACKYARD_PEER_DIR, an installed peer (.ci/peer.sh), and /usr/bin/chromium.
func TestUI_BackstageApp(t *testing.T) {
	appDir, peerDir := requireUI(t)
	runUITest(t, appDir, peerDir, "ui.test.mjs", "")
}

// runUITest starts the peer (guest sign-in) and Stackyard on the addresses
// baked into the app and runs one node test file of e2e/ui against them;
// screenshots go to e2e/artifacts/ui[-postgres]/<sub>.
func runUITest(t *testing.T, appDir, peerDir, file, sub string) {
	t.Helper()
	startUIPeer(t, peerDir)
	base := startUIStackyard(t)
	runNode(t, []string{
		"STACKYARD_URL=" + base,
		"PEER_URL=http://" + uiPeerAddr,
		"STACKYARD_UI_APP_DIR=" + appDir,
		"ARTIFACTS_DIR=" + uiArtifacts(sub),
	}, filepath.Join(repoRoot(), "e2e", "ui", file))
}

// startUIStackyard runs the binary with the repository's config.yaml as a
// user would (example catalog, CORS for the app's origin), overriding only
// the listen address and the database through the environment.
func startUIStackyard(t *testing.T) string {
	t.Helper()
	return startUIStackyardConfig(t, filepath.Join(repoRoot(), "config.yaml"))
}

// startUIStackyardAt runs the binary in dir with config on the app's fixed
// address and the database dbURL, and returns its URL and a function that
// stops it; the test's cleanup calls it too, and only the first call stops.
func startUIStackyardAt(t *testing.T, dir, config, dbURL, logName string) (string, func()) {
	t.Helper()
	base := "http://" + uiStackyardAddr
	logPath := filepath.Join(dir, logName)
	cmd := exec.Command(binary, "serve", "--config", config)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"STACKYARD_LISTEN="+uiStackyardAddr,
		"STACKYARD_BASE_URL="+base,
		"STACKYARD_DATABASE_URL="+dbURL,
	)
	exited, stopIt := startLogged(t, cmd, logPath, "stackyard")
	if err := waitReady(base+"/readyz", exited, 90*time.Second); err != nil {
		t.Fatalf("stackyard did not become ready: %v\n%s", err, tail(logPath, 40))
	}
	return base, stopIt
}

// uiArtifacts is the directory of one UI suite's screenshots, page text and
// request log: e2e/artifacts/ui[-postgres]/<suite>.
func uiArtifacts(suite string) string {
	dir := filepath.Join(repoRoot(), "e2e", "artifacts", "ui")
	if dbtest.Engine() == "postgres" {
		dir += "-postgres"
	}
	return filepath.Join(dir, suite)
}

// startUIPeer runs the reference backend on uiPeerAddr with
// e2e/ui/peer-overlay.yaml (CORS and app.baseUrl for the app's origin). Its
// own fixture stays loaded, so a catalog request that wrongly reached it
// would show entities Stackyard does not have.
func startUIPeer(t *testing.T, dir string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "peer.log")
	overlay := filepath.Join(repoRoot(), "e2e", "ui", "peer-overlay.yaml")
	cmd := exec.Command("node", "--no-node-snapshot", "index.js", "--config", "app-config.yaml", "--config", overlay)
	cmd.Dir = dir
	exited, _ := startLogged(t, cmd, logPath, "peer")
	url := "http://" + uiPeerAddr + "/.backstage/health/v1/readiness"
	if err := waitReady(url, exited, 180*time.Second); err != nil {
		t.Fatalf("peer did not become ready: %v\n%s", err, tail(logPath, 40))
	}
}

// startLogged starts cmd with its output in logPath and stops it when the
// test ends, printing the log's tail if the test failed. The returned channel
// receives cmd's exit.
func startLogged(t *testing.T, cmd *exec.Cmd, logPath, name string) (exited <-chan error, stopIt func()) {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var once sync.Once
	stopIt = func() { once.Do(func() { stop(cmd, done); logFile.Close() }) }
	t.Cleanup(func() {
		stopIt()
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", name, logPath, tail(logPath, 60))
		}
	})
	return done, stopIt
}

// requireUINode checks for node >= 20 and e2e/ui's npm dependency
// (playwright-core), installing it with `npm ci` when it is missing.
func requireUINode(t *testing.T) {
	t.Helper()
	requireNPM(t, "ui", filepath.Join("playwright-core", "package.json"))
}
