package db

import (
	"context"
	"sync"

	"gorm.io/gorm"
)

// TxHook is work that must commit or roll back together with the change a
// store makes: the audit record of that change. A caller attaches it to a
// context with WithTxHook; every store transaction helper calls RunTxHook
// as the last statement of its transaction.
type TxHook func(tx *gorm.DB) error

type txHookKey struct{}

type txHookSlot struct {
	mu  sync.Mutex
	fn  TxHook
	ran bool
}

// WithTxHook returns ctx carrying fn. The hook runs at most once: in the
// first store transaction that commits work under ctx.
func WithTxHook(ctx context.Context, fn TxHook) context.Context {
	return context.WithValue(ctx, txHookKey{}, &txHookSlot{fn: fn})
}

// RunTxHook runs ctx's hook inside tx, unless it already ran or ctx has
// none. An error rolls the transaction back.
func RunTxHook(ctx context.Context, tx *gorm.DB) error {
	s, ok := ctx.Value(txHookKey{}).(*txHookSlot)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ran {
		return nil
	}
	if err := s.fn(tx); err != nil {
		return err
	}
	s.ran = true
	return nil
}

// TxHookRan reports whether ctx's hook ran in a transaction. When it did
// not, the change took no transaction and the caller writes the record
// itself, right after.
func TxHookRan(ctx context.Context) bool {
	s, ok := ctx.Value(txHookKey{}).(*txHookSlot)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ran
}
