package catalog_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
)

// BenchmarkIngest measures ingestion of a generated catalog file, from
// registration until every entity is stitched and indexed. Point
// STACKYARD_BENCH_FIXTURE at a file from peer-backstage's gen-fixtures.js.
func BenchmarkIngest(b *testing.B) {
	fixture := benchFixture(b)
	for b.Loop() {
		h := newHarness(b, "delete", fixture)
		b.ReportMetric(float64(h.svc.Len()), "entities")
	}
}

// BenchmarkIngest_Run measures the same with the engine running as the
// server runs it (Run: processing and stitching loops side by side) until
// its first idle moment. visible-s is when the last entity could first be
// read, as e2e/bench/catalog.sh measures ingestion; the restitches of
// related entities may still be running then. first-s is when the first
// child could.
func BenchmarkIngest_Run(b *testing.B) {
	fixture := benchFixture(b)
	for b.Loop() {
		idle := make(chan struct{})
		var once sync.Once
		h := buildHarness(b, "delete", func() { once.Do(func() { close(idle) }) }, fixture)
		stop := h.run()
		start := time.Now()
		var counts []int
		var times []time.Duration
		tick := time.NewTicker(100 * time.Millisecond)
	wait:
		for {
			select {
			case <-idle:
				break wait
			case <-tick.C:
				counts = append(counts, h.svc.Len())
				times = append(times, time.Since(start))
				if os.Getenv("STACKYARD_BENCH_TIMELINE") != "" && len(times)%5 == 0 {
					var ru syscall.Rusage
					_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
					cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
					fmt.Fprintf(os.Stderr, "t=%.1f n=%d cpu=%.1f\n", times[len(times)-1].Seconds(), counts[len(counts)-1], cpu.Seconds())
				}
			}
		}
		tick.Stop()
		stop()
		n := h.svc.Len()
		visible := time.Since(start)
		if i := slices.Index(counts, n); i >= 0 {
			visible = times[i]
		}
		b.ReportMetric(float64(n), "entities")
		b.ReportMetric(visible.Seconds(), "visible-s")
		// first-s is when the first entity could be read: the location's
		// file read and its children written.
		if i := slices.IndexFunc(counts, func(c int) bool { return c > 1 }); i >= 0 {
			b.ReportMetric(times[i].Seconds(), "first-s")
		}
	}
}

// BenchmarkReprocess measures one refresh of every entity of an ingested,
// unchanged catalog, as the processing interval does: validation (cached
// by content hash after the first pass) and hashing, with nothing written.
func BenchmarkReprocess(b *testing.B) {
	h := newHarness(b, "delete", benchFixture(b))
	all, err := h.svc.Stream(h.ctx, query.ListRequest{})
	if err != nil {
		b.Fatal(err)
	}
	var refs []string
	for data, err := range all {
		if err != nil {
			b.Fatal(err)
		}
		var ent model.Entity
		if err := json.Unmarshal(data, &ent); err != nil {
			b.Fatal(err)
		}
		refs = append(refs, ent.Ref().String())
	}
	b.ResetTimer()
	for b.Loop() {
		if err := h.store.ScheduleRefresh(h.ctx, refs); err != nil {
			b.Fatal(err)
		}
		h.settle(b)
	}
	b.ReportMetric(float64(len(refs)), "entities")
}

func benchFixture(b *testing.B) string {
	fixture := os.Getenv("STACKYARD_BENCH_FIXTURE")
	if fixture == "" {
		b.Skip("STACKYARD_BENCH_FIXTURE not set")
	}
	return fixture
}
