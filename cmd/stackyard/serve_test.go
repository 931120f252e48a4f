package main

import (
	"context"

	"github.com/stackyard/stackyard/internal/memlimit"
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// server.memoryLimit becomes the runtime's soft memory limit, unless
// GOMEMLIMIT set one; unset, the limit follows the live heap, at least
// 160 MiB.
func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); debug.SetMemoryLimit(prev) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Setenv("GOMEMLIMIT", "")
	applyMemoryLimit(ctx, 8<<30, log)
	if got := debug.SetMemoryLimit(-1); got != 8<<30 {
		t.Fatalf("limit = %d, want %d", got, int64(8<<30))
	}
	t.Setenv("GOMEMLIMIT", "16GiB")
	applyMemoryLimit(ctx, 4<<30, log)
	if got := debug.SetMemoryLimit(-1); got != 8<<30 {
		t.Fatalf("GOMEMLIMIT set, yet the limit changed to %d", got)
	}
	t.Setenv("GOMEMLIMIT", "")
	applyMemoryLimit(ctx, 0, log)
	if got := debug.SetMemoryLimit(-1); got < memlimit.Default.Floor || got == 8<<30 {
		t.Fatalf("memoryLimit unset: limit = %d, want the live heap's (at least %d)", got, memlimit.Default.Floor)
	}
}
