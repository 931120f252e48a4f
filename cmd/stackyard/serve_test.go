package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// server.memoryLimit becomes the runtime's soft memory limit, unless
// GOMEMLIMIT set one.
func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	t.Setenv("GOMEMLIMIT", "")
	applyMemoryLimit(8<<30, log)
	if got := debug.SetMemoryLimit(-1); got != 8<<30 {
		t.Fatalf("limit = %d, want %d", got, int64(8<<30))
	}
	t.Setenv("GOMEMLIMIT", "16GiB")
	applyMemoryLimit(4<<30, log)
	if got := debug.SetMemoryLimit(-1); got != 8<<30 {
		t.Fatalf("GOMEMLIMIT set, yet the limit changed to %d", got)
	}
}
