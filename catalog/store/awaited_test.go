package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// An entity is processed with a ref looked up as missing (its owner), and
// the owner is written before the entity's result is: the result's write
// finds the owner there and makes the entity due again, so its error does
// not stay until the next processing interval. An owner still missing
// leaves the entity waiting for it.
func TestWriteResults_AwaitedRefThatAppearedMeanwhileMakesTheEntityDue(t *testing.T) {
	ctx := context.Background()
	s := New(dbtest.Open(t))
	loc := "file:/catalog.yaml"
	items := []Deferred{
		{Ref: "component:default/a", Entity: []byte(`{}`), Hash: "h", LocationKey: loc},
		{Ref: "component:default/b", Entity: []byte(`{}`), Hash: "h", LocationKey: loc},
	}
	if _, err := s.ReplaceProviderEntities(ctx, "test", items); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	later := now.Add(time.Hour)
	claimed, err := s.ClaimDue(ctx, now, later, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimDue = %d, %v; want both", len(claimed), err)
	}
	// Meanwhile group x appears; group y does not.
	owner := Deferred{Ref: "group:default/x", Entity: []byte(`{}`), Hash: "h", LocationKey: loc}
	if err := s.InTx(ctx, func(tx *Store) error {
		_, err := tx.upsertDeferred(ctx, []Deferred{owner}, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	awaits := map[string]string{"component:default/a": "group:default/x", "component:default/b": "group:default/y"}
	var results []Result
	for _, c := range claimed {
		results = append(results, Result{
			EntityID: c.EntityID, Ref: c.EntityRef, Processed: []byte(`{}`), Hash: "r",
			Awaited: []string{awaits[c.EntityRef]}, Errors: `[{"name":"OwnerNotFoundError"}]`,
		})
	}
	if _, err := s.WriteResults(ctx, results, 0); err != nil {
		t.Fatal(err)
	}
	again, err := s.ClaimDue(ctx, time.Now(), later, 10)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, c := range again {
		refs = append(refs, c.EntityRef)
	}
	if len(refs) != 2 || !slices.Contains(refs, "component:default/a") || !slices.Contains(refs, "group:default/x") {
		t.Fatalf("due after the write: %v, want component:default/a (its owner appeared) and the new group:default/x", refs)
	}
}
