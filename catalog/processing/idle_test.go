package processing

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/db/dbtest"
	"github.com/stackyard/stackyard/schemas"
)

// The engine is idle (and the catalog ready) only once the stitcher has
// nothing left: its own flag can still be set from before the last write,
// whose marks it has not seen yet, and then the marks in the database
// decide.
func TestIdleNow_WaitsForMarksTheStitcherHasNotSeen(t *testing.T) {
	ctx := context.Background()
	st := store.New(dbtest.Open(t))
	v, err := schemas.Compile(schemas.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, v, Options{Interval: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	item := store.Deferred{Ref: "group:default/a", Entity: []byte(`{}`), Hash: "h", LocationKey: "file:/catalog.yaml"}
	if _, err := st.ReplaceProviderEntities(ctx, "test", []store.Deferred{item}); err != nil {
		t.Fatal(err)
	}
	var stitcherIdle atomic.Bool
	stitcherIdle.Store(true) // from before the write below
	if !e.idleNow(ctx, &stitcherIdle) {
		t.Fatal("not idle with nothing marked and the stitcher idle")
	}
	now := time.Now()
	claimed, err := st.ClaimDue(ctx, now, now.Add(time.Hour), 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimDue = %v, %v", claimed, err)
	}
	processed := `{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"a"},"spec":{"type":"team","children":[]}}`
	r := store.Result{EntityID: claimed[0].EntityID, Ref: item.Ref, Processed: []byte(processed), Hash: "r"}
	if _, err := st.WriteResults(ctx, []store.Result{r}, 0); err != nil {
		t.Fatal(err)
	}
	if e.idleNow(ctx, &stitcherIdle) {
		t.Fatal("idle while a written entity waits to be stitched")
	}
	time.Sleep(stitchDebounce)
	if n, err := e.StitchDue(ctx); err != nil || n != 1 {
		t.Fatalf("StitchDue = %d, %v; want 1", n, err)
	}
	if !e.idleNow(ctx, &stitcherIdle) {
		t.Fatal("not idle once the entity was stitched")
	}
	stitcherIdle.Store(false)
	if e.idleNow(ctx, &stitcherIdle) {
		t.Fatal("idle while the stitcher is in a pass")
	}
}
