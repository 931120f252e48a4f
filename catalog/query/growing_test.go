package query

import "testing"

// growBatch is the batch size of catalog.Service.Stitched.
const growBatch = 500

// BenchmarkUpsertGrowing measures ingestion into an index that grows from
// empty to the full corpus (benchN) in batches of growBatch with
// UpsertBatch, the way stitching fills a fresh replica. It reports the mean
// cost per entity and the cost per entity of the first and last tenth of
// the load. The work per entity does not depend on the size of the index;
// the last tenth costs more than the first (about twice) only because more
// of its memory accesses miss the cache.
//
// "bare" has only the structures every index has; "reads" first builds what
// concurrent HTTP reads would ask for (the ref view, a name view, facets and
// full-text columns), so that their maintenance is measured too.
func BenchmarkUpsertGrowing(b *testing.B) {
	docs, _ := benchCorpus()
	for _, reads := range []bool{false, true} {
		name := "bare"
		if reads {
			name = "reads"
		}
		b.Run(name, func(b *testing.B) {
			var first, last, total int64
			for b.Loop() {
				b.StopTimer()
				ix := NewIndex()
				b.StartTimer()
				tenth := len(docs) / 10
				for i := 0; i < len(docs); i += growBatch {
					batch := docs[i:min(i+growBatch, len(docs))]
					t := b.Elapsed()
					ix.UpsertBatch(batch)
					dt := int64(b.Elapsed() - t)
					total += dt
					switch {
					case i < tenth:
						first += dt
					case i >= len(docs)-tenth:
						last += dt
					}
					if reads && i == 0 {
						b.StopTimer()
						warmReads(b, ix)
						b.StartTimer()
					}
				}
				if ix.Len() != len(docs) {
					b.Fatalf("%d entities, want %d", ix.Len(), len(docs))
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(total)/n/float64(len(docs)), "ns/entity")
			b.ReportMetric(float64(first)/n/float64(len(docs)/10), "first10%-ns/entity")
			b.ReportMetric(float64(last)/n/float64(len(docs)/10), "last10%-ns/entity")
		})
	}
}

// warmReads makes ix build the structures that reads build on demand.
func warmReads(tb testing.TB, ix *Index) {
	tb.Helper()
	if _, err := ix.List(bg, ListRequest{Limit: ptr(10)}); err != nil {
		tb.Fatal(err)
	}
	for _, f := range []string{"metadata.name", "spec.type"} {
		if _, err := ix.Query(bg, QueryRequest{OrderField: &Order{Field: f}, Limit: ptr(10)}); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := ix.Query(bg, QueryRequest{Limit: ptr(10), FullText: &FullText{Term: "gate", Fields: []string{"metadata.name", "metadata.title"}}}); err != nil {
		tb.Fatal(err)
	}
	ix.Facets(Predicate{}, []string{"kind", "spec.lifecycle", "metadata.tags", "spec.owner"})
}
