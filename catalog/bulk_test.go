package catalog_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
)

// bulkCatalog is a catalog of more than 5,000 entities (processing's
// lightAfter), so one location holding it takes the bulk path: its new
// children are processed as they are read and stored processed. It has
// owners and systems both before and after the entities that name them,
// dependencies both ways, owners that do not exist, an invalid entity, a
// duplicate ref and a Location among the children.
func bulkCatalog(extra string) []string {
	docs := []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: [team-b]}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: ann}\nspec: {memberOf: [team-a, team-late]}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: sys-0}\nspec: {owner: team-a}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: api-0}\nspec: {type: openapi, lifecycle: production, owner: team-b, system: sys-0, definition: x}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-00001, description: duplicate}\nspec: {type: service, lifecycle: production, owner: team-a}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: broken}\nspec: {type: service, lifecycle: bogus, owner: team-a}\n",
		fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: extra}\nspec: {type: file, target: %s}\n", extra),
	}
	owners := []string{"team-a", "team-b", "team-late", "ghost"}
	for i := range 5100 {
		docs = append(docs, fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%05d, description: svc %d}\n"+
			"spec: {type: service, lifecycle: production, owner: %s, system: sys-%d, providesApis: [api-%d], dependsOn: [component:svc-%05d]}\n",
			i, i, owners[i%len(owners)], i%2, i%2, (i+7)%5100))
	}
	return append(docs,
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-b}\nspec: {type: team, parent: team-a, children: []}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-late}\nspec: {type: team, children: []}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: sys-1}\nspec: {owner: team-late}\n",
		"apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: api-1}\nspec: {type: openapi, lifecycle: production, owner: team-late, system: sys-1, definition: x}\n",
	)
}

// The bulk path stores what the usual one does: the same catalog, read
// from one large file (bulk) and from three small ones (each child stored,
// claimed and processed), stitches to the same entities, relations and
// errors.
func TestService_BulkLocationMatchesSmallLocations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	extra := filepath.Join(dir, "extra.yaml")
	writeFile(t, extra, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: nested}\nspec: {type: service, lifecycle: production, owner: team-late, dependsOn: [component:svc-00003]}\n")
	docs := bulkCatalog(extra)
	big := filepath.Join(dir, "big.yaml")
	writeFile(t, big, strings.Join(docs, "---\n"))
	var parts []string
	for i, chunk := range slices.Collect(slices.Chunk(docs, 2000)) {
		p := filepath.Join(dir, fmt.Sprintf("part-%d.yaml", i))
		writeFile(t, p, strings.Join(chunk, "---\n"))
		parts = append(parts, p)
	}
	late := filepath.Join(dir, "late.yaml")
	writeFile(t, late, "")

	bulk := buildHarness(t, "delete", nil, big, late)
	// One pass processes the root location: it reads the file and stores
	// its new children already processed and stitched, so they can be
	// read before any stitch pass.
	if n, err := bulk.engine.ProcessDue(bulk.ctx); err != nil || n == 0 {
		t.Fatalf("ProcessDue = %d, %v", n, err)
	}
	visible := 0
	for i := range 5100 {
		if _, err := bulk.svc.ByName(bulk.ctx, model.EntityRef{Kind: "component", Namespace: "default", Name: fmt.Sprintf("svc-%05d", i)}); err == nil {
			visible++
		}
	}
	if visible != 5100 {
		t.Fatalf("%d components visible after the location's pass, want 5100", visible)
	}
	// Only those that other entities' relations name are stitched again:
	// svc-00008 is named by the duplicate svc-00001 only, which is dropped.
	inputs, err := bulk.store.ClaimStitch(bulk.ctx, time.Now(), -time.Hour, time.Minute, 20000)
	if err != nil {
		t.Fatal(err)
	}
	marked := map[string]bool{}
	var ids []string
	for _, in := range inputs {
		ids = append(ids, in.EntityID)
		marked[in.Ref] = true
	}
	if marked["component:default/svc-00008"] || !marked["component:default/svc-00003"] || !marked["group:default/team-a"] {
		t.Fatalf("marked for stitching again: svc-00008 %v (want false), svc-00003 %v, team-a %v (want true)",
			marked["component:default/svc-00008"], marked["component:default/svc-00003"], marked["group:default/team-a"])
	}
	if err := bulk.store.ReleaseStitch(bulk.ctx, ids, inputs[0].Lease); err != nil {
		t.Fatal(err)
	}
	bulk.settle(t)
	small := newHarness(t, "delete", append(parts, late)...)

	got, want := finals(t, bulk, big), finals(t, small, parts...)
	if len(got) != 5100+9 {
		t.Fatalf("bulk catalog has %d entities, want %d", len(got), 5100+9)
	}
	for ref, w := range want {
		if g := got[ref]; g != w {
			t.Fatalf("%s differs:\nbulk:  %s\nsmall: %s", ref, g, w)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("bulk has %d entities, small locations %d", len(got), len(want))
	}
	bulk.missing(t, "component:default/broken")
	if e := bulk.entity(t, "component:default/svc-00003"); !strings.Contains(jsonString(e["status"]), "OwnerNotFoundError") {
		t.Fatalf("no dangling owner error on a bulk child: %v", e["status"])
	}
	if rels := relations(bulk.entity(t, "component:default/svc-00003")); !slices.Contains(rels, "dependencyOf component:default/nested") {
		t.Fatalf("svc-00003 relations %v lack the nested location's dependency", rels)
	}

	// The missing owner appears elsewhere: the bulk children waiting for
	// it are processed again, and their error goes away.
	writeFile(t, late, "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: ghost}\nspec: {type: team, children: []}\n")
	bulk.refreshAll(t, late)
	if e := bulk.entity(t, "component:default/svc-00003"); e["status"] != nil {
		t.Fatalf("status after the owner appeared = %v", e["status"])
	}
}

// finals returns every final entity of h by ref, as JSON without what
// differs between two catalogs: uid, etag, and the file each came from.
func finals(t *testing.T, h *harness, files ...string) map[string]string {
	t.Helper()
	all, err := h.svc.Stream(h.ctx, query.ListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for data, err := range all {
		if err != nil {
			t.Fatal(err)
		}
		var e model.Entity
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind() == "Location" {
			continue // generated from each file's path
		}
		md := e.Metadata()
		delete(md, "uid")
		delete(md, "etag")
		b, _ := json.Marshal(e)
		s := string(b)
		for _, f := range files {
			s = strings.ReplaceAll(s, f, "FILE")
		}
		out[e.Ref().String()] = s
	}
	return out
}

// A large location of two files, the first with a document that is no
// entity: the children of both are read again and written, and the one
// that is no entity is a problem on the location.
func TestService_BulkLocationOfFilesWithProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]int{"a.yaml": 0, "b.yaml": 3000}
	for name, first := range files {
		var b strings.Builder
		if name == "a.yaml" {
			b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {title: no name}\n---\n")
		}
		for i := first; i < first+3000; i++ {
			fmt.Fprintf(&b, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%05d}\nspec: {type: service, lifecycle: production, owner: team-a}\n---\n", i)
		}
		writeFile(t, filepath.Join(dir, name), b.String())
	}
	root := filepath.Join(dir, "root.yaml")
	writeFile(t, root, group+"---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: both}\nspec: {type: file, targets: [./a.yaml, ./b.yaml]}\n")
	h := newHarness(t, "delete", root)
	if n := h.count(t, "kind=component"); n != 6000 {
		t.Fatalf("%d components, want 6000", n)
	}
	if e := h.entity(t, "location:default/both"); !strings.Contains(jsonString(e["status"]), "must have apiVersion, kind and metadata.name") {
		t.Fatalf("no problem on the location: %v", e["status"])
	}
}
