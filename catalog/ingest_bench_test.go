package catalog_test

import (
	"os"
	"testing"
)

// BenchmarkIngest measures ingestion of a generated catalog file, from
// registration until every entity is stitched and indexed. Point
// STACKYARD_BENCH_FIXTURE at a file from peer-backstage's gen-fixtures.js.
func BenchmarkIngest(b *testing.B) {
	fixture := os.Getenv("STACKYARD_BENCH_FIXTURE")
	if fixture == "" {
		b.Skip("STACKYARD_BENCH_FIXTURE not set")
	}
	for b.Loop() {
		h := newHarness(b, "delete", fixture)
		b.ReportMetric(float64(h.svc.Len()), "entities")
	}
}
