package catalog_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEngine_StopMidFlowGivesTheClaimsBack stops a running engine while a
// large location flows in, with one batch being written and the next one
// being validated. The claims of both are given back: a pass that follows
// at once processes the rest of the catalog, instead of finding those
// entities hidden until the next processing interval (an hour here).
func TestEngine_StopMidFlowGivesTheClaimsBack(t *testing.T) {
	t.Parallel()
	const n = 3000
	file := teamCatalog(t, n)
	h := buildHarness(t, "delete", nil, file)
	stop := h.run()
	deadline := time.Now().Add(20 * time.Second)
	for h.count(t, "kind=component") < batchSize {
		if time.Now().After(deadline) {
			stop()
			t.Fatal("after 20 s, not one batch of components is visible")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	seen := h.count(t, "kind=component")
	if seen == n {
		t.Fatal("the engine finished all 3,000 before it was stopped: nothing was left to give back")
	}
	h.settle(t)
	if got := h.count(t, "kind=component"); got != n {
		t.Fatalf("after the stop (%d visible) and one settle, %d components visible, want %d", seen, got, n)
	}
}

// batchSize is the engine's claim size (processing.batchSize).
const batchSize = 500

// TestEngine_ReadyOnlyWhenAllIsVisible starts engines on catalogs of
// growing size and reads the catalog at each one's first idle moment, which
// is when /readyz turns ready: every entity must be visible by then. (A
// stitcher that had been idle since the start once let it come while the
// last batch's marks were still unseen.)
func TestEngine_ReadyOnlyWhenAllIsVisible(t *testing.T) {
	t.Parallel()
	for round := 1; round <= 4; round++ {
		n := 300 * round
		file := teamCatalog(t, n)
		seen := make(chan int, 1)
		var once sync.Once
		var h *harness
		h = buildHarness(t, "delete", func() { once.Do(func() { seen <- h.svc.Len() }) }, file)
		stop := h.run()
		var got int
		select {
		case got = <-seen:
		case <-time.After(20 * time.Second):
			t.Errorf("round %d: no idle moment within 20 s", round)
		}
		stop()
		if want := n + 2; got != want { // the components, the group and the location
			t.Fatalf("round %d: %d entities visible at the first idle moment, want %d", round, got, want)
		}
	}
}

// teamCatalog writes a catalog file with group team-a and n components it
// owns, and returns its path.
func teamCatalog(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(group)
	for i := range n {
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%05d}\nspec: {type: service, lifecycle: production, owner: team-a}\n", i)
	}
	file := filepath.Join(t.TempDir(), "catalog.yaml")
	writeFile(t, file, b.String())
	return file
}
