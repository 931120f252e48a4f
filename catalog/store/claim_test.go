package store

import (
	"context"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// A claim is all or nothing for its caller: when ClaimDue fails because
// its context ended, the entity is not left claimed (due only after the
// next processing interval) without the caller knowing it holds it. The
// context ends at a different moment of the claim in each round.
func TestClaimDue_EndedContextLeavesNoHiddenClaim(t *testing.T) {
	s := New(dbtest.Open(t))
	ctx := context.Background()
	item := Deferred{Ref: "component:default/a", Entity: []byte(`{}`), Hash: "h", LocationKey: "file:/catalog.yaml"}
	if _, err := s.ReplaceProviderEntities(ctx, "test", []Deferred{item}); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i := range 300 {
		cctx, cancel := context.WithCancel(ctx)
		timer := time.AfterFunc(time.Duration(i%30)*50*time.Microsecond, cancel)
		now := time.Now()
		claimed, err := s.ClaimDue(cctx, now, now.Add(time.Hour), 10)
		timer.Stop()
		cancel()
		if err == nil && len(claimed) == 1 {
			// The caller holds it and gives it back, as ProcessDue does.
			if err := s.ReleaseClaims(ctx, []string{claimed[0].EntityID}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err == nil {
			t.Fatalf("round %d: claimed %d entities, want 1", i, len(claimed))
		}
		failed++
		again, err2 := s.ClaimDue(ctx, time.Now(), time.Now().Add(time.Hour), 10)
		if err2 != nil {
			t.Fatal(err2)
		}
		if len(again) != 1 {
			t.Fatalf("round %d: ClaimDue failed (%v) but left the entity claimed", i, err)
		}
		if err := s.ReleaseClaims(ctx, []string{again[0].EntityID}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of 300 claims ended with their context", failed)
}
