package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestApply_FollowsTheLiveHeap keeps 64 MiB live and checks that the
// runtime's limit becomes twice that with factor 2, and the floor when the
// floor is higher.
func TestApply_FollowsTheLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(math.MaxInt64)
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 1<<20)
		live[i][0] = byte(i)
	}
	runtime.GC()
	got := Policy{Floor: 1 << 20, Factor: 2}.Apply()
	if now := debug.SetMemoryLimit(-1); now != got {
		t.Fatalf("runtime limit %d, Apply returned %d", now, got)
	}
	if got < 128<<20 || got > 160<<20 {
		t.Fatalf("limit %d MiB with 64 MiB live and factor 2, want 128-160 MiB", got>>20)
	}
	if got := (Policy{Floor: 1 << 30, Factor: 2}).Apply(); got != 1<<30 {
		t.Fatalf("limit %d with a 1 GiB floor, want the floor", got)
	}
	runtime.KeepAlive(live)
}
