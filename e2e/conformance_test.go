package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestConformance_CatalogClient drives Stackyard, loaded with the example
// catalog, through every CatalogClient method of the real npm client.
func TestConformance_CatalogClient(t *testing.T) {
	requireNode(t)
	fixturePort := freePort(t)
	example := filepath.Join(repoRoot(), "catalog", "all.yaml")
	base := startStackyard(t, stackyardOptions{Locations: []string{example}, FixturePort: fixturePort})
	runNode(t, []string{
		"STACKYARD_URL=" + base,
		"EXAMPLE_CATALOG=" + example,
		fmt.Sprintf("FIXTURE_PORT=%d", fixturePort),
	}, "catalog-client.test.mjs")
}

// peerAddr is where the reference peer listens (its app-config.yaml).
const peerAddr = "127.0.0.1:7007"

// TestConformance_PeerDiff loads the peer's fixture into both the real
// Backstage backend and Stackyard and diffs their answers to the same requests.
// It needs STACKYARD_PEER_DIR: a writable copy of ../shared/peer-backstage
// after `npm ci`.
func TestConformance_PeerDiff(t *testing.T) {
	requireNode(t)
	peerDir := os.Getenv("STACKYARD_PEER_DIR")
	_, err := os.Stat(filepath.Join(peerDir, "node_modules", "@backstage", "plugin-catalog-backend"))
	require(t, peerDir != "" && err == nil,
		"STACKYARD_PEER_DIR does not point at an installed peer (copy ../shared/peer-backstage, run npm ci, export STACKYARD_PEER_DIR)")

	fixturePort := freePort(t)
	startPeer(t, peerDir, fixturePort)
	testdata := filepath.Join(repoRoot(), "e2e", "testdata")
	base := startStackyard(t, stackyardOptions{Locations: []string{filepath.Join(testdata, "all.yaml")}, FixturePort: fixturePort})
	runNode(t, []string{
		"STACKYARD_URL=" + base,
		"STACKYARD_FIXTURES_DIR=" + testdata,
		"PEER_URL=http://" + peerAddr,
		"PEER_FIXTURES_DIR=" + filepath.Join(peerDir, "fixtures"),
		fmt.Sprintf("FIXTURE_PORT=%d", fixturePort),
		"PEER_DIFF_DUMP=" + dumpDir(t),
	}, "peer-diff.test.mjs")
}

// dumpDir is where the peer diff writes both sides' normalised answers:
// $PEER_DIFF_DUMP when set (to read them after the run), else a temp dir.
func dumpDir(t *testing.T) string {
	if d := os.Getenv("PEER_DIFF_DUMP"); d != "" {
		return d
	}
	return filepath.Join(t.TempDir(), "answers")
}

// startPeer starts the reference backend with an overlay that lets it read
// url locations from the test's fixture server, and stops it at the end.
func startPeer(t *testing.T, dir string, fixturePort int) {
	t.Helper()
	if c, err := net.DialTimeout("tcp", peerAddr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s is already in use; stop whatever listens there (a running peer: %s/stop.sh)", peerAddr, dir)
	}
	overlay := filepath.Join(t.TempDir(), "peer-overlay.yaml")
	cfg := fmt.Sprintf("backend:\n  reading:\n    allow: [{host: \"127.0.0.1:%d\"}]\n", fixturePort)
	if err := os.WriteFile(overlay, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	start := exec.Command("bash", "start.sh", overlay)
	start.Dir = dir
	start.Env = append(os.Environ(), "START_TIMEOUT=180")
	out, err := start.CombinedOutput()
	if err != nil {
		t.Fatalf("start peer: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		stopPeer := exec.Command("bash", "stop.sh")
		stopPeer.Dir = dir
		if out, err := stopPeer.CombinedOutput(); err != nil {
			t.Logf("stop peer: %v\n%s", err, out)
		}
		if t.Failed() {
			t.Logf("peer log:\n%s", tail(filepath.Join(dir, "run", "backstage.log"), 40))
		}
	})
}
