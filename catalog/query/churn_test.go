package query

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
)

// TestIndex_Churn applies random upserts, renames and removals to a
// generated catalog and checks every query against brute force over the
// documents that should be present.
func TestIndex_Churn(t *testing.T) {
	t.Parallel()
	entities := generateEntities(1500, 7)
	rnd := rand.New(rand.NewPCG(11, 12))
	ix := NewIndex()
	current := map[string]Doc{} // by uid
	for _, d := range docsFor(t, entities) {
		ix.Upsert(d)
		current[d.UID] = d
	}
	// Views and facets built early must be maintained through the churn.
	ix.Facets(Predicate{}, []string{"spec.lifecycle", "metadata.tags"})
	if _, err := ix.Query(bg, QueryRequest{OrderField: &Order{Field: "metadata.name"}, Limit: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	checkFullTextAgainstBrute(t, ix, slices.Collect(maps.Values(current)), "gate", "metadata.name", "metadata.tags")
	for step := range 3000 {
		churnStep(t, ix, entities[rnd.IntN(len(entities))], current, rnd, step)
	}
	docs := slices.Collect(maps.Values(current))
	if ix.Len() != len(docs) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(docs))
	}
	for _, c := range append(predicateCases, `{"spec.lifecycle":"production"}`, `{"metadata.tags":"t3"}`) {
		p := mustPredicate(t, c)
		checkEvalAgrees(t, ix, p)
		checkAgainstBrute(t, ix, docs, p)
	}
	for _, rebuild := range []bool{false, true} {
		if rebuild { // past the rebuild throttle: searches use fresh text columns
			clear(ix.textBuilt)
		}
		for _, term := range []string{"gate", "renamed-1", "t3", "o", "e%w", "_"} {
			checkFullTextAgainstBrute(t, ix, docs, term, "metadata.name", "metadata.tags")
		}
	}
	checkFacetsAgainstBrute(t, ix, docs, "spec.lifecycle")
	checkFacetsAgainstBrute(t, ix, docs, "metadata.tags")
	checkOrderAgainstBrute(t, ix, docs, "metadata.name")
	checkOrderAgainstBrute(t, ix, docs, "spec.lifecycle")
}

// churnStep removes, re-creates, renames or changes entity e, in the index
// and in current.
func churnStep(t *testing.T, ix *Index, e model.Entity, current map[string]Doc, rnd *rand.Rand, step int) {
	t.Helper()
	lifecycles := []string{"production", "Experimental", "deprecated", "PRODUCTION"}
	md := e["metadata"].(map[string]any)
	switch rnd.IntN(6) {
	case 0: // removed
		ix.Remove(md["uid"].(string))
		delete(current, md["uid"].(string))
		return
	case 1: // re-created with a new uid
		md["uid"] = fmt.Sprintf("re-%d", step)
	case 2: // renamed
		md["name"] = fmt.Sprintf("renamed-%d", step)
	default: // changed
		if spec, ok := e["spec"].(map[string]any); ok {
			spec["lifecycle"] = lifecycles[rnd.IntN(len(lifecycles))]
		}
		md["tags"] = []any{fmt.Sprint("t", rnd.IntN(5)), "Go"}
	}
	d := docsFor(t, []model.Entity{e})[0]
	for uid, old := range current {
		if old.Ref == d.Ref {
			delete(current, uid)
		}
	}
	ix.Upsert(d)
	current[d.UID] = d
}

// checkFullTextAgainstBrute compares a full-text query with a scan of raw
// rows.
func checkFullTextAgainstBrute(t *testing.T, ix *Index, docs []Doc, term string, fields ...string) {
	t.Helper()
	want := 0
	for _, d := range docs {
		for _, r := range d.Rows {
			if slices.Contains(fields, r.Key) && r.HasValue && likeContains(r.Value, term) {
				want++
				break
			}
		}
	}
	r, err := ix.Query(bg, QueryRequest{FullText: &FullText{Term: term, Fields: fields}, Limit: ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.TotalItems != want {
		t.Errorf("full text %q: %d, brute force %d", term, r.TotalItems, want)
	}
}

// checkFacetsAgainstBrute compares a facet with counts over raw rows.
func checkFacetsAgainstBrute(t *testing.T, ix *Index, docs []Doc, facet string) {
	t.Helper()
	counts := map[string]int{}
	for _, d := range docs {
		for _, r := range d.Rows {
			if r.Key == facet && r.HasValue {
				counts[r.Original]++
			}
		}
	}
	var want []FacetCount
	for v, n := range counts {
		want = append(want, FacetCount{v, n})
	}
	sortFacet(want)
	if d := diff(want, ix.Facets(Predicate{}, []string{facet})[facet]); d != "" {
		t.Errorf("facet %s (-brute +index):\n%s", facet, d)
	}
}

// checkOrderAgainstBrute pages through an ordered by-query session and
// compares the sequence with a brute-force sort. The first page is full of
// values, so the walk never reaches the nulls, but totalItems counts them.
func checkOrderAgainstBrute(t *testing.T, ix *Index, docs []Doc, field string) {
	t.Helper()
	type entry struct{ Val, UID string }
	var want []entry
	nulls := 0
	for _, d := range docs {
		seen := map[string]bool{}
		rows, null := 0, false
		for _, r := range d.Rows {
			if r.Key == field && r.HasValue && !seen[r.Value] {
				seen[r.Value] = true
				want = append(want, entry{r.Value, d.UID})
			}
			if r.Key == field {
				rows++
				null = null || !r.HasValue
			}
		}
		if null || rows == 0 {
			nulls++
		}
	}
	slices.SortFunc(want, func(a, b entry) int { return strings.Compare(a.Val+"\x00"+a.UID, b.Val+"\x00"+b.UID) })
	var got []entry
	req := QueryRequest{OrderField: &Order{Field: field}, Limit: ptr(97), Fields: []string{"metadata.uid"}}
	for {
		r, err := ix.Query(bg, req)
		if err != nil {
			t.Fatal(err)
		}
		if r.TotalItems != len(want)+nulls {
			t.Fatalf("order by %s: totalItems %d, want %d values and %d nulls", field, r.TotalItems, len(want), nulls)
		}
		for _, item := range r.Items {
			var e struct{ Metadata struct{ UID string } }
			if err := json.Unmarshal(item, &e); err != nil {
				t.Fatal(err)
			}
			got = append(got, entry{UID: e.Metadata.UID})
		}
		if r.NextCursor == "" {
			break
		}
		req = QueryRequest{Cursor: r.NextCursor, Limit: ptr(97), Fields: []string{"metadata.uid"}}
	}
	if len(got) != len(want) {
		t.Fatalf("order by %s: %d items, want %d", field, len(got), len(want))
	}
	for i := range want {
		if got[i].UID != want[i].UID {
			t.Fatalf("order by %s: item %d is %s, want %s", field, i, got[i].UID, want[i].UID)
		}
	}
}

// TestIndex_ConcurrentPaging pages through a by-query session while another
// goroutine keeps upserting and removing other entities. Keyset pagination
// must return every untouched entity exactly once, in order. Run with -race.
func TestIndex_ConcurrentPaging(t *testing.T) {
	t.Parallel()
	docs := docsFor(t, generateEntities(2000, 3))
	ix := NewIndex()
	for _, d := range docs {
		ix.Upsert(d)
	}
	stable := map[string]bool{}
	for i, d := range docs {
		if i%2 == 0 {
			stable[d.UID] = true
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			d := docs[(2*i+1)%len(docs)]
			if i%3 == 0 {
				ix.Remove(d.UID)
			} else {
				ix.Upsert(d)
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	for _, order := range []*Order{nil, {Field: "metadata.name"}, {Field: "metadata.name", Desc: true}} {
		seen := walkOrdered(t, ix, order)
		for uid := range stable {
			if !seen[uid] {
				t.Fatalf("order %v: stable entity %s was skipped", order, uid)
			}
		}
	}
}

// walkOrdered pages through all entities in the given order, checking that
// none repeats and that the order holds, and returns the uids seen.
func walkOrdered(t *testing.T, ix *Index, order *Order) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	var last []string
	fields := []string{"metadata.uid,metadata.name"}
	for _, page := range pageThrough(t, ix, QueryRequest{OrderField: order, Limit: ptr(50), Fields: fields}) {
		for _, item := range page.Items {
			var e struct{ Metadata struct{ UID, Name string } }
			if err := json.Unmarshal(item, &e); err != nil {
				t.Fatal(err)
			}
			if seen[e.Metadata.UID] {
				t.Fatalf("order %v: %s returned twice", order, e.Metadata.UID)
			}
			seen[e.Metadata.UID] = true
			key := []string{e.Metadata.UID}
			if order != nil {
				key = []string{e.Metadata.Name, e.Metadata.UID}
			}
			if last != nil && (slices.Compare(last, key) > 0) != (order != nil && order.Desc) {
				t.Fatalf("order %v: %v after %v", order, key, last)
			}
			last = key
		}
	}
	return seen
}
