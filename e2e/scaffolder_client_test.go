package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestConformance_ScaffolderClient runs conformance/scaffolder-client.test.mjs,
// the real ScaffolderClient from @backstage/plugin-scaffolder-common,
// against the binary serving the scaffolder fixture templates.
func TestConformance_ScaffolderClient(t *testing.T) {
	_, err := exec.LookPath("node")
	require(t, err == nil, "node is not installed")
	_, err = os.Stat(filepath.Join(repoRoot(), "e2e", "conformance", "node_modules", "@backstage", "plugin-scaffolder-common"))
	require(t, err == nil, "run npm ci in e2e/conformance first")
	dir := t.TempDir()
	srv := startScaffolderServer(t, dir, databaseURL(t, dir), writeScaffolderFixture(t, dir))
	runNode(t, []string{"STACKYARD_URL=" + srv.Base}, "scaffolder-client.test.mjs")
}
