package loop

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestEvery calls fn on every tick and returns once ctx is done.
func TestEvery(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, 5*time.Millisecond, func(context.Context) {
			if calls.Add(1) == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Every did not return after its context ended")
	}
	if n := calls.Load(); n < 3 {
		t.Fatalf("fn called %d times, want at least 3", n)
	}
}
