package store

import (
	"context"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// A delayed mark keeps the earliest time asked for: a target that batch
// after batch touches is stitched once per delay, not once per batch, and
// a mark that is due sooner stays.
func TestMarkStitchBy_KeepsTheEarliestMark(t *testing.T) {
	ctx := context.Background()
	s := New(dbtest.Open(t))
	start := time.UnixMilli(time.Now().UnixMilli())
	refs := []string{"group:default/a", "group:default/b"}
	items := make([]Deferred, len(refs))
	for i, r := range refs {
		items[i] = Deferred{Ref: r, Entity: []byte(`{}`), Hash: "h", LocationKey: "file:/catalog.yaml"}
	}
	if _, err := s.upsertDeferred(ctx, items, start); err != nil {
		t.Fatal(err)
	}
	mark := func(ref string) int64 {
		t.Helper()
		var at *int64
		if err := s.q(ctx).Raw("SELECT next_stitch_at FROM refresh_queue WHERE entity_ref = ?", ref).Scan(&at).Error; err != nil {
			t.Fatal(err)
		}
		if at == nil {
			return 0
		}
		return *at
	}
	first := start.Add(3 * time.Second)
	if err := s.markStitchBy(ctx, refs, first); err != nil {
		t.Fatal(err)
	}
	// b is then marked for now; both are touched again a second later.
	if err := s.markStitch(ctx, refs[1:], start); err != nil {
		t.Fatal(err)
	}
	if err := s.markStitchBy(ctx, refs, start.Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, want := mark(refs[0]), first.UnixMilli(); got != want {
		t.Errorf("mark of a at %d, want the first one, %d", got, want)
	}
	if got, want := mark(refs[1]), start.UnixMilli(); got != want {
		t.Errorf("mark of b at %d, want the due one, %d", got, want)
	}
}
