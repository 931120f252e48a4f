package catalog_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
)

// TestEngine_HeldRestitchesRunWhenTheFlowEnds adds 1,300 components to a
// running engine: team-a owns those of the two full processing batches,
// team-b those of the last one. While full batches flow, team-a's
// restitches are held back (up to 30 s); when the flow ends they run at
// once, so team-a lists every component it owns within seconds.
func TestEngine_HeldRestitchesRunWhenTheFlowEnds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	groups, comps := filepath.Join(dir, "groups.yaml"), filepath.Join(dir, "components.yaml")
	writeFile(t, groups, group+"---\n"+strings.Replace(group, "team-a", "team-b", 1))
	writeFile(t, comps, "# filled in below\n")
	h := buildHarness(t, "delete", nil, groups, comps)
	stop := h.run()
	defer stop()
	owned := func(ref string) int {
		r, _ := model.ParseRef(ref, "", "")
		body, err := h.svc.ByName(h.ctx, r)
		var e model.Entity
		if err != nil || json.Unmarshal(body, &e) != nil {
			return -1
		}
		n := 0
		rels, _ := e["relations"].([]any)
		for _, r := range rels {
			if r.(map[string]any)["type"] == "ownerOf" {
				n++
			}
		}
		return n
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("after 20 s, still not: %s (team-a owns %d)", what, owned("group:default/team-a"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("both groups visible", func() bool { return owned("group:default/team-a") == 0 && owned("group:default/team-b") == 0 })

	const n = 1000 // team-a's; 300 more are team-b's
	var b strings.Builder
	for i := range n + 300 {
		owner := "team-a"
		if i >= n {
			owner = "team-b"
		}
		fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%05d}\nspec: {type: service, lifecycle: production, owner: %s}\n", i, owner)
	}
	writeFile(t, comps, b.String())
	if err := h.svc.Refresh(h.ctx, "location:default/"+model.GeneratedLocationName("file", comps)); err != nil {
		t.Fatal(err)
	}
	waitFor("team-a owns its 1,000 components", func() bool { return owned("group:default/team-a") == n })
}
