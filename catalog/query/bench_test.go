package query

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
)

// benchN is the catalog size of the benchmarks; -short uses 10,000.
func benchN() int {
	if testing.Short() {
		return 10_000
	}
	return 100_000
}

var benchCorpus = sync.OnceValues(func() ([]Doc, error) {
	ents := generateEntities(benchN(), 1)
	return docsFor(panicTB{}, ents), nil
})

// benchIndex returns an index loaded with the generated corpus, shared by the
// read benchmarks.
var benchIndex = sync.OnceValue(func() *Index {
	docs, _ := benchCorpus()
	ix := NewIndex()
	for _, d := range docs {
		ix.Upsert(d)
	}
	return ix
})

func BenchmarkQueryKindComponent(b *testing.B) {
	ix := benchIndex()
	req := QueryRequest{Filter: mustFilters(b, "kind=component"), Limit: ptr(100)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := ix.Query(bg, req)
		if err != nil || len(r.Items) != 100 || r.TotalItems == 0 {
			b.Fatal(err, len(r.Items))
		}
	}
}

// BenchmarkQueryKindComponentTimeOrdered is BenchmarkQueryKindComponent
// with time-ordered uids, as the store assigns them: every group, user,
// system, API and resource sorts before the first component, and a page
// in uid order walks past all of them.
func BenchmarkQueryKindComponentTimeOrdered(b *testing.B) {
	ents := generateEntities(benchN(), 1)
	for i, e := range ents {
		e.Metadata()["uid"] = fmt.Sprintf("019ae4c0-%04x-7%03x-8000-%012x", i>>12, i&0xfff, i)
	}
	ix := NewIndex()
	for _, d := range docsFor(b, ents) {
		ix.Upsert(d)
	}
	req := QueryRequest{Filter: mustFilters(b, "kind=component"), Limit: ptr(100)}
	b.ReportAllocs()
	for b.Loop() {
		r, err := ix.Query(bg, req)
		if err != nil || len(r.Items) != 100 || r.Items[0] == nil {
			b.Fatal(err, len(r.Items))
		}
	}
}

func BenchmarkQueryKindComponentNextPage(b *testing.B) {
	ix := benchIndex()
	first, err := ix.Query(bg, QueryRequest{Filter: mustFilters(b, "kind=component"), Limit: ptr(100)})
	if err != nil {
		b.Fatal(err)
	}
	req := QueryRequest{Cursor: first.NextCursor, Limit: ptr(100)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r, err := ix.Query(bg, req); err != nil || len(r.Items) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkQueryOrderByName(b *testing.B) {
	ix := benchIndex()
	req := QueryRequest{Filter: mustFilters(b, "kind=component"), Limit: ptr(100), OrderField: &Order{Field: "metadata.name"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r, err := ix.Query(bg, req); err != nil || len(r.Items) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkQueryFullText(b *testing.B) {
	ix := benchIndex()
	req := QueryRequest{Filter: mustFilters(b, "kind=component"), Limit: ptr(100),
		FullText: &FullText{Term: "billing-gate", Fields: []string{"metadata.name", "metadata.title"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ix.Query(bg, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkByRef(b *testing.B) {
	ix := benchIndex()
	docs, _ := benchCorpus()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if js, _ := ix.ByRef(bg, docs[i%len(docs)].Ref); js == nil {
			b.Fatal("missing")
		}
		i++
	}
}

func BenchmarkFacetsLifecycle(b *testing.B) {
	ix := benchIndex()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if f := ix.Facets(Predicate{}, []string{"spec.lifecycle"}); len(f["spec.lifecycle"]) != 3 {
			b.Fatal(f)
		}
	}
}

func BenchmarkFacetsFiltered(b *testing.B) {
	ix := benchIndex()
	p := mustFilters(b, "kind=component")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ix.Facets(p, []string{"spec.lifecycle", "spec.type", "metadata.tags"})
	}
}

// BenchmarkUpsert measures re-indexing changed entities (a new etag and
// description each time) in a full index.
func BenchmarkUpsert(b *testing.B) {
	docs, _ := benchCorpus()
	ix := NewIndex()
	for _, d := range docs {
		ix.Upsert(d)
	}
	variants := make([]Doc, 1000)
	for i := range variants {
		d := docs[i*len(docs)/len(variants)]
		d.Rows = append(append([]Row(nil), d.Rows...), Row{Key: "metadata.description", Value: fmt.Sprint("changed ", i), HasValue: true, Original: fmt.Sprint("Changed ", i)})
		variants[i] = d
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			ix.Upsert(variants[i/2%len(variants)])
		} else {
			ix.Upsert(docs[(i/2%len(variants))*len(docs)/len(variants)])
		}
		i++
	}
}

// BenchmarkLoad measures building the index from the corpus, and reports
// the heap the index holds: heap-MiB is the growth of HeapAlloc (live
// objects) and inuse-MiB that of HeapInuse (spans), both without the entity
// JSON, which the corpus already holds. With QUERY_HEAP_PROFILE=file it also
// writes a heap profile with the index alive.
func BenchmarkLoad(b *testing.B) {
	docs, _ := benchCorpus()
	allocBefore, inuseBefore := heapStats()
	var ix *Index
	for b.Loop() {
		ix = NewIndex()
		for _, d := range docs {
			ix.Upsert(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/entity")
	ix.Facets(Predicate{}, []string{"kind", "spec.lifecycle"})
	if _, err := ix.Query(bg, QueryRequest{OrderField: &Order{Field: "metadata.name"}, Limit: ptr(10)}); err != nil {
		b.Fatal(err)
	}
	allocAfter, inuseAfter := heapStats()
	if path := os.Getenv("QUERY_HEAP_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(ix)
	jsonBytes := 0
	for _, d := range docs {
		jsonBytes += len(d.JSON)
	}
	b.ReportMetric(mib(allocAfter-allocBefore), "heap-MiB")
	b.ReportMetric(mib(inuseAfter-inuseBefore), "inuse-MiB")
	b.ReportMetric(mib(uint64(jsonBytes)), "json-MiB")
	b.ReportMetric(float64(len(docs)), "entities")
}

// heapStats returns HeapAlloc and HeapInuse after a full collection.
func heapStats() (alloc, inuse uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.HeapInuse
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkSearchRows measures flattening one generated entity.
func BenchmarkSearchRows(b *testing.B) {
	ents := generateEntities(1000, 2)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := SearchRows(ents[i%len(ents)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
