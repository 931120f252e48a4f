package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// A transaction whose context ends is rolled back, even though SQLite's
// statements run on a context that cannot be cancelled (see Store.q).
func TestInTx_EndsWithItsContext(t *testing.T) {
	s := New(dbtest.Open(t))
	ctx, cancel := context.WithCancel(context.Background())
	item := Deferred{Ref: "component:default/a", Entity: []byte(`{}`), Hash: "h", LocationKey: "file:/catalog.yaml"}
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.upsertDeferred(ctx, []Deferred{item}, time.Now()); err != nil {
			return err
		}
		cancel()
		return nil
	})
	// database/sql rolls the transaction back when its context ends: the
	// commit then reports the cancellation or, if the rollback came first,
	// that the transaction is done.
	if !errors.Is(err, context.Canceled) && !errors.Is(err, sql.ErrTxDone) {
		t.Fatalf("InTx after cancel = %v, want context.Canceled or sql.ErrTxDone", err)
	}
	got, err := s.LookupRefs(context.Background(), []string{item.Ref})
	if err != nil || len(got) != 0 {
		t.Fatalf("the cancelled transaction's row is there: %v, %v", got, err)
	}
	if s.dialect == db.SQLite {
		// A statement outside a transaction runs to the end.
		if _, err := s.LookupRefs(ctx, []string{item.Ref}); err != nil {
			t.Fatalf("a read on an ended context: %v", err)
		}
	}
}
