// Package memlimit keeps the Go runtime's soft memory limit in step with
// the live heap: never below a floor, and otherwise a fixed multiple of
// what the last collection found live.
//
// Without a limit the heap grows to twice what is live between
// collections (GOGC=100); at 100,000 entities that is the difference
// between about 280 and 390 MiB of RSS. A fixed limit would hold a small
// catalog down, but make the collector run without pause once a larger
// catalog's live heap nears it. Following the live heap gives both: the
// floor for catalogs up to about that size, and room to grow past it.
package memlimit

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/stackyard/stackyard/internal/loop"
)

// Policy is the adaptive limit: max(Floor, Factor × live heap).
type Policy struct {
	Floor  int64
	Factor float64
}

// Default is Stackyard's: at least 160 MiB, and half as much again as is
// live. With a floor of 200 MiB, a server holding 100,000 entities (about
// 110 MB live once ingested) kept its heap near 200 MiB while it served,
// and its RSS reached 286-297 MiB; with 160 MiB, 268 and 273 MiB, at the
// same speed.
var Default = Policy{Floor: 160 << 20, Factor: 1.5}

// For returns the limit for a live heap of live bytes.
func (p Policy) For(live uint64) int64 {
	return max(p.Floor, int64(float64(live)*p.Factor))
}

// Apply sets the runtime's limit from the live heap now, and returns it.
func (p Policy) Apply() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var live uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = s[0].Value.Uint64()
	}
	limit := p.For(live)
	debug.SetMemoryLimit(limit)
	return limit
}

// Follow applies the policy every interval until ctx ends; the caller
// applies it first (Apply).
func (p Policy) Follow(ctx context.Context, every time.Duration) {
	loop.Every(ctx, every, func(context.Context) { p.Apply() })
}
