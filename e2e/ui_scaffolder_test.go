package e2e

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestUI_Scaffolder drives the stock Backstage 1.45.3 app's scaffolder pages
// in headless Chromium against Stackyard (e2e/ui/scaffolder.test.mjs): /create
// lists the example catalog's template (catalog/examples/templates.yaml), the
// form drawn from its parameter schema refuses an invalid name, is filled and
// submitted, and the task page follows the run to its end with every step
// green. Screenshots go to e2e/artifacts/ui/scaffolder/.
//
// Like TestUI_BackstageApp it runs Stackyard with the repository's
// config.yaml and the reference peer for guest sign-in on the addresses baked
// into the app, and needs STACKYARD_UI_APP_DIR, STACKYARD_PEER_DIR and
// /usr/bin/chromium.
func TestUI_Scaffolder(t *testing.T) {
	appDir, peerDir := requireUI(t)
	runUITest(t, appDir, peerDir, "scaffolder.test.mjs", "scaffolder")
}

// requireUI checks what a UI test needs, skipping (failing with CI=true)
// when something is missing, and returns the built app's and the installed
// peer's directories. The fixed addresses must be free.
func requireUI(t *testing.T) (appDir, peerDir string) {
	t.Helper()
	requireUINode(t)
	appDir = os.Getenv("STACKYARD_UI_APP_DIR")
	_, err := os.Stat(filepath.Join(appDir, "dist", "index.html"))
	require(t, appDir != "" && err == nil,
		"STACKYARD_UI_APP_DIR does not point at a built app (export STACKYARD_UI_APP_DIR=$(e2e/ui/setup.sh))")
	peerDir = os.Getenv("STACKYARD_PEER_DIR")
	_, err = os.Stat(filepath.Join(peerDir, "node_modules", "@backstage", "plugin-auth-backend"))
	require(t, peerDir != "" && err == nil,
		"STACKYARD_PEER_DIR does not point at an installed peer (export STACKYARD_PEER_DIR=$(bash .ci/peer.sh ../shared/peer-backstage))")
	_, err = os.Stat("/usr/bin/chromium")
	require(t, err == nil, "/usr/bin/chromium is missing (apt-get install chromium)")
	for _, addr := range []string{uiStackyardAddr, uiPeerAddr, uiAppAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Fatalf("%s is already in use; the UI test needs it (the app's config is baked in at build time)", addr)
		}
	}
	return appDir, peerDir
}
