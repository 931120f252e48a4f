package memtrim

import (
	"testing"
)

func TestTrim_AtMostOncePerInterval(t *testing.T) {
	last.Store(0)
	Trim()
	first := last.Load()
	if first == 0 {
		t.Fatal("the first Trim did not run")
	}
	Trim()
	if got := last.Load(); got != first {
		t.Fatalf("a second Trim within %s ran (last %d, want %d)", minInterval, got, first)
	}
	last.Store(first - int64(2*minInterval))
	Trim()
	if got := last.Load(); got <= first-int64(2*minInterval) {
		t.Fatal("a Trim after the interval did not run")
	}
}

func TestLimitArenas(t *testing.T) {
	t.Setenv("MALLOC_ARENA_MAX", "4")
	if LimitArenas() {
		t.Fatal("LimitArenas overrode MALLOC_ARENA_MAX")
	}
	t.Setenv("MALLOC_ARENA_MAX", "")
	if !LimitArenas() {
		t.Fatal("mallopt(M_ARENA_MAX) failed")
	}
}
