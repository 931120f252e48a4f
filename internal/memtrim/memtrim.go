// Package memtrim gives memory that is free back to the operating system.
// SQLite allocates through the C allocator, and glibc keeps what SQLite
// frees in its arenas: ingesting 100,000 entities left about 280 MB of
// free C memory resident beside 35 MB in use. Trim asks glibc to hand it
// back (malloc_trim), at most once a second.
package memtrim

import (
	"sync/atomic"
	"time"
)

var last atomic.Int64 // unix nanoseconds of the last trim

// minInterval bounds how often Trim runs: a trim walks every arena.
const minInterval = time.Second

// Trim returns free C memory to the operating system, unless that was done
// less than a second ago.
func Trim() {
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(minInterval) || !last.CompareAndSwap(prev, now) {
		return
	}
	trim()
}
