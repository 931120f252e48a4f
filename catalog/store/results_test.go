package store

import (
	"context"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// A target that batch after batch touches keeps moving its mark on, so it
// is stitched once when the batches stop; a mark that is due stays due.
func TestMarkStitchAfter_MovesPendingMarksOnly(t *testing.T) {
	ctx := context.Background()
	s := New(dbtest.Open(t))
	start := time.UnixMilli(time.Now().UnixMilli())
	refs := []string{"group:default/a", "group:default/b"}
	items := make([]Deferred, len(refs))
	for i, r := range refs {
		items[i] = Deferred{Ref: r, Entity: []byte(`{}`), Hash: "h", LocationKey: "file:/catalog.yaml"}
	}
	if _, _, err := s.upsertDeferred(ctx, items, start); err != nil {
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
	delay := 3 * time.Second
	if err := s.markStitchAfter(ctx, refs, start, delay); err != nil {
		t.Fatal(err)
	}
	if got, want := mark(refs[0]), start.Add(delay).UnixMilli(); got != want {
		t.Fatalf("first mark at %d, want %d", got, want)
	}
	// b is stitched now (due); a is only touched again a second later.
	if err := s.markStitch(ctx, refs[1:], start); err != nil {
		t.Fatal(err)
	}
	later := start.Add(time.Second)
	if err := s.markStitchAfter(ctx, refs, later, delay); err != nil {
		t.Fatal(err)
	}
	if got, want := mark(refs[0]), later.Add(delay).UnixMilli(); got != want {
		t.Errorf("pending mark at %d, want it moved on to %d", got, want)
	}
	if got, want := mark(refs[1]), start.UnixMilli(); got != want {
		t.Errorf("due mark at %d, want it kept at %d", got, want)
	}
}
