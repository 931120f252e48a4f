package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/catalog"
	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/processing"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/db/dbtest"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/schemas"
)

// harness is a real catalog (database, CUE validator, engine, index)
// driven pass by pass.
type harness struct {
	svc    *catalog.Service
	engine *processing.Engine
	store  *store.Store
	ctx    context.Context
}

func newHarness(t testing.TB, strategy string, files ...string) *harness {
	t.Helper()
	h := buildHarness(t, strategy, nil, files...)
	h.settle(t)
	return h
}

// buildHarness wires the catalog without processing anything; onIdle is
// the engine's OnIdle hook.
func buildHarness(t testing.TB, strategy string, onIdle func(), files ...string) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := store.New(dbtest.Open(t))
	v, err := schemas.Compile(schemas.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var locs []model.Location
	for _, f := range files {
		locs = append(locs, model.Location{Type: "file", Target: f})
	}
	urls := processing.NewURLReader([]string{"127.0.0.1"})
	// A cache of two bodies: reads go through the database, as at scale.
	svc := catalog.New(st, query.NewIndexWith(st, 2), v, urls, catalog.Options{
		ConfigLocations: locs, AllowedLocationTypes: []string{"url"}, ConflictStrategy: "reject",
	}, log)
	engine := processing.New(st, v, processing.Options{
		Interval: time.Hour, OrphanStrategy: strategy,
		Readers:    map[string]processing.Reader{"file": processing.FileReader{}, "url": urls},
		OnStitched: svc.Stitched,
		OnDeleted:  svc.Deleted,
		OnIdle:     onIdle,
	}, log)
	svc.SetEngine(engine)
	if err := svc.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	return &harness{svc: svc, engine: engine, store: st, ctx: ctx}
}

// run starts the engine as serve does; stop ends it and waits.
func (h *harness) run() (stop func()) {
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.engine.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

func (h *harness) settle(t testing.TB) {
	t.Helper()
	if err := h.engine.Settle(h.ctx); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) entity(t *testing.T, ref string) model.Entity {
	t.Helper()
	r, err := model.ParseRef(ref, "", "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := h.svc.ByName(h.ctx, r)
	if err != nil {
		t.Fatalf("ByName(%s): %v", ref, err)
	}
	var e model.Entity
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (h *harness) missing(t *testing.T, ref string) {
	t.Helper()
	r, _ := model.ParseRef(ref, "", "")
	if _, err := h.svc.ByName(h.ctx, r); err == nil {
		t.Fatalf("%s is still in the catalog", ref)
	}
}

// refreshAll makes every root location due, as the refresh loop would.
func (h *harness) refreshAll(t *testing.T, files ...string) {
	t.Helper()
	for _, f := range files {
		if err := h.svc.Refresh(h.ctx, "location:default/"+model.GeneratedLocationName("file", f)); err != nil {
			t.Fatal(err)
		}
	}
	h.settle(t)
}

func relations(e model.Entity) []string {
	var out []string
	list, _ := e["relations"].([]any)
	for _, r := range list {
		m := r.(map[string]any)
		out = append(out, m["type"].(string)+" "+m["targetRef"].(string))
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestService_IngestFixture(t *testing.T) {
	t.Parallel()
	all, _ := filepath.Abs("testdata/all.yaml")
	h := newHarness(t, "delete", all)
	worker := h.entity(t, "component:default/notifications-worker")
	if worker.Namespace() != "default" || worker.Annotation(model.AnnotationManagedByOriginLocation) != "file:"+all {
		t.Fatalf("annotations: %v", worker.Metadata())
	}
	if !strings.HasSuffix(worker.Annotation(model.AnnotationManagedByLocation), "/extra.yaml") {
		t.Fatalf("managed-by-location = %q", worker.Annotation(model.AnnotationManagedByLocation))
	}
	if md := worker.Metadata(); md["uid"] == nil || md["etag"] == nil {
		t.Fatalf("no uid or etag: %v", md)
	}
	if got := relations(worker); !slices.Contains(got, "ownedBy group:default/team-platform") {
		t.Fatalf("relations = %v", got)
	}
	group := h.entity(t, "group:default/team-platform")
	if got := relations(group); !slices.Contains(got, "ownerOf component:default/notifications-worker") {
		t.Fatalf("group relations = %v", got)
	}
	if got := relations(group); !slices.IsSorted(got) {
		t.Fatalf("relations not sorted: %v", got)
	}
}

const component = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  description: %s
spec:
  type: service
  lifecycle: %s
  owner: %s
`

const group = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
`

func TestService_InvalidLaterKeepsLastGood(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := filepath.Join(dir, "catalog-info.yaml")
	writeFile(t, f, group+"---\n"+sprintf(component, "first", "production", "team-a"))
	h := newHarness(t, "delete", f)
	if d := h.entity(t, "component:default/svc").Metadata()["description"]; d != "first" {
		t.Fatalf("description = %v", d)
	}
	writeFile(t, f, group+"---\n"+sprintf(component, "second", "prod", "team-a"))
	h.refreshAll(t, f)
	e := h.entity(t, "component:default/svc")
	if d := e.Metadata()["description"]; d != "first" {
		t.Fatalf("invalid version replaced the good one: description = %v", d)
	}
	items := e["status"].(map[string]any)["items"].([]any)
	item := items[0].(map[string]any)
	if item["type"] != model.StatusProcessingError || item["level"] != "error" || !strings.Contains(item["message"].(string), "lifecycle") {
		t.Fatalf("status item = %v", item)
	}
}

func TestService_NeverValidIsInvisible(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeFile(t, f, sprintf(component, "x", "nope", "team-a"))
	h := newHarness(t, "delete", f)
	h.missing(t, "component:default/svc")
}

func TestService_OrphanDeletedWithReverseRelations(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeFile(t, f, group+"---\n"+sprintf(component, "x", "production", "team-a"))
	h := newHarness(t, "delete", f)
	if got := relations(h.entity(t, "group:default/team-a")); !slices.Contains(got, "ownerOf component:default/svc") {
		t.Fatalf("group relations = %v", got)
	}
	writeFile(t, f, group)
	h.refreshAll(t, f)
	h.missing(t, "component:default/svc")
	if got := relations(h.entity(t, "group:default/team-a")); slices.Contains(got, "ownerOf component:default/svc") {
		t.Fatalf("reverse relation survived: %v", got)
	}
}

func TestService_ConflictFirstLocationWins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	writeFile(t, first, group+"---\n"+sprintf(component, "from-a", "production", "team-a"))
	writeFile(t, second, "")
	h := newHarness(t, "delete", first, second)
	writeFile(t, second, sprintf(component, "from-b", "production", "team-a"))
	h.refreshAll(t, second)
	if d := h.entity(t, "component:default/svc").Metadata()["description"]; d != "from-a" {
		t.Fatalf("description = %v, want the first location's", d)
	}
	loc := h.entity(t, "location:default/"+model.GeneratedLocationName("file", second))
	status, _ := loc["status"].(map[string]any)
	if status == nil || !strings.Contains(jsonString(status), "ConflictError") {
		t.Fatalf("second location has no conflict error: %v", loc["status"])
	}
}

func TestService_DanglingOwnerIsVisibleError(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeFile(t, f, sprintf(component, "x", "production", "team-nobody"))
	h := newHarness(t, "delete", f)
	e := h.entity(t, "component:default/svc")
	if !strings.Contains(jsonString(e["status"]), "group:default/team-nobody") {
		t.Fatalf("no dangling owner error: %v", e["status"])
	}
	problems, err := h.svc.ProcessingErrors(h.ctx, []string{"group:default/team-nobody"}, false, "")
	if err != nil || len(problems) != 1 || problems[0].EntityRef != "component:default/svc" {
		t.Fatalf("owner's processing errors = %+v, %v", problems, err)
	}
	others, err := h.svc.ProcessingErrors(h.ctx, []string{"group:default/other"}, false, "")
	if err != nil || len(others) != 0 {
		t.Fatalf("another owner sees %+v, %v", others, err)
	}
	if _, err := h.svc.ProcessingErrors(h.ctx, []string{"group:default/other"}, false, "group:default/team-nobody"); err == nil {
		t.Fatal("asking for someone else's errors was allowed")
	}
	// The owner appears: the error goes away.
	writeFile(t, f, sprintf(component, "x", "production", "team-a")+"---\n"+group)
	h.refreshAll(t, f)
	if e := h.entity(t, "component:default/svc"); e["status"] != nil {
		t.Fatalf("status after fix = %v", e["status"])
	}
}

// An entity whose owner does not exist waits for it: when another location
// brings the owner in, the entity is processed again at once (it did not
// change, so nothing else would) and its error goes away.
func TestService_DanglingOwnerResolvesWhenItAppearsElsewhere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	writeFile(t, first, sprintf(component, "x", "production", "team-a"))
	writeFile(t, second, "")
	h := newHarness(t, "delete", first, second)
	if e := h.entity(t, "component:default/svc"); !strings.Contains(jsonString(e["status"]), "OwnerNotFoundError") {
		t.Fatalf("no dangling owner error: %v", e["status"])
	}
	writeFile(t, second, group)
	h.refreshAll(t, second)
	if e := h.entity(t, "component:default/svc"); e["status"] != nil {
		t.Fatalf("status after the owner appeared = %v", e["status"])
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestService_DeletedEntityComesBackWithNewUID(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "catalog-info.yaml")
	writeFile(t, f, group+"---\n"+sprintf(component, "x", "production", "team-a"))
	h := newHarness(t, "delete", f)
	uid := h.entity(t, "component:default/svc").Metadata()["uid"].(string)
	if u, err := uuid.Parse(uid); err != nil || u.Version() != 7 {
		t.Fatalf("uid %s is not a time-ordered UUID (version 7): %v", uid, err)
	}
	if err := h.svc.DeleteByUID(h.ctx, uid); err != nil {
		t.Fatal(err)
	}
	h.settle(t)
	again := h.entity(t, "component:default/svc").Metadata()["uid"].(string)
	if again == uid {
		t.Fatalf("entity came back with the same uid %s", uid)
	}
}

func TestService_PublishProvidedReplacesProviderEntities(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "delete")
	ent := func(name string) model.Entity {
		return model.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
			"metadata": map[string]any{"name": name, "annotations": map[string]any{
				model.AnnotationManagedByLocation: "url:https://example.com/" + name, model.AnnotationManagedByOriginLocation: "url:https://example.com/" + name}},
			"spec": map[string]any{"type": "team", "children": []any{}}}
	}
	if err := h.svc.PublishProvided(h.ctx, "test-provider", []model.Entity{ent("team-x"), ent("team-y")}); err != nil {
		t.Fatal(err)
	}
	h.settle(t)
	h.entity(t, "group:default/team-x")
	h.entity(t, "group:default/team-y")
	if err := h.svc.PublishProvided(h.ctx, "test-provider", []model.Entity{ent("team-x")}); err != nil {
		t.Fatal(err)
	}
	h.settle(t)
	h.entity(t, "group:default/team-x")
	h.missing(t, "group:default/team-y")
	if err := h.svc.PublishProvided(h.ctx, "ConfigLocationProvider", nil); !errors.Is(err, errs.ErrInput) {
		t.Fatalf("catalog's own provider: %v", err)
	}
}

// TestStore_ReleaseOnStop: what a stopping engine claimed but could not
// finish is given back, so the next engine takes it at once rather than
// after a processing interval.
func TestStore_ReleaseOnStop(t *testing.T) {
	t.Parallel()
	all, _ := filepath.Abs("testdata/all.yaml")
	h := newHarness(t, "delete", all)
	refs := []string{"component:default/ledger-lib"}
	if err := h.store.ScheduleRefresh(h.ctx, refs); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claimed, err := h.store.ClaimDue(h.ctx, now, now.Add(time.Hour), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	if again, _ := h.store.ClaimDue(h.ctx, time.Now(), time.Now().Add(time.Hour), 10); len(again) != 0 {
		t.Fatalf("a claimed entity was claimed twice: %v", again)
	}
	if err := h.store.ReleaseClaims(h.ctx, []string{claimed[0].EntityID}); err != nil {
		t.Fatal(err)
	}
	if again, _ := h.store.ClaimDue(h.ctx, time.Now().Add(time.Millisecond), time.Now().Add(time.Hour), 10); len(again) != 1 {
		t.Fatalf("a released claim is not due: %v", again)
	}
}

// A location that emits more children than one transaction writes
// (store.childTx, 5,000) is written in several; every child keeps its
// reference throughout, and children it stops emitting are deleted. Past
// 5,000 children the engine keeps only their refs and hashes and reads
// the file again to write them: each child still gets its own body, the
// first of a duplicated ref wins, and a changed child is written again.
func TestService_LargeLocationWrittenInChunks(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "catalog-info.yaml")
	components := func(n int, version string) string {
		var b strings.Builder
		b.WriteString(group)
		for i := range n {
			fmt.Fprintf(&b, "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-%05d, description: svc %d %s}\nspec: {type: service, lifecycle: production, owner: team-a}\n", i, i, version)
		}
		b.WriteString("---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc-00001, description: duplicate}\nspec: {type: service, lifecycle: production, owner: team-a}\n")
		return b.String()
	}
	writeFile(t, f, components(6000, "v1"))
	h := newHarness(t, "delete", f)
	desc := func(ref string) string {
		d, _ := h.entity(t, ref).Metadata()["description"].(string)
		return d
	}
	if n := h.count(t, "kind=component"); n != 6000 {
		t.Fatalf("%d components after the first ingestion, want 6000", n)
	}
	for ref, want := range map[string]string{
		"component:default/svc-00000": "svc 0 v1", "component:default/svc-00001": "svc 1 v1",
		"component:default/svc-05000": "svc 5000 v1", "component:default/svc-05999": "svc 5999 v1",
	} {
		if got := desc(ref); got != want {
			t.Errorf("%s has description %q, want %q", ref, got, want)
		}
	}

	writeFile(t, f, strings.Replace(components(5500, "v1"), "svc 5499 v1", "svc 5499 v2", 1))
	h.refreshAll(t, f)
	if n := h.count(t, "kind=component"); n != 5500 {
		t.Fatalf("%d components after 500 were removed, want 5500", n)
	}
	if got := desc("component:default/svc-05499"); got != "svc 5499 v2" {
		t.Errorf("changed child has description %q, want %q", got, "svc 5499 v2")
	}
	h.missing(t, "component:default/svc-05500")
}

func (h *harness) count(t *testing.T, filter string) int {
	t.Helper()
	p, err := query.ParseFilters([]string{filter})
	if err != nil {
		t.Fatal(err)
	}
	r, err := h.svc.Query(h.ctx, query.QueryRequest{Filter: p, Limit: new(int)})
	if err != nil {
		t.Fatal(err)
	}
	return r.TotalItems
}
