package query

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// table is a Bodies source over a map, standing in for final_entities:
// the index's own behaviour (what it keeps, reads and returns) is what
// these tests check; the catalog's tests read through real SQLite.
type table struct {
	mu    sync.Mutex
	rows  map[string][]byte
	reads int
	fail  error
}

func (t *table) Bodies(_ context.Context, uids []string) (map[string][]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fail != nil {
		return nil, t.fail
	}
	t.reads++
	out := map[string][]byte{}
	for _, u := range uids {
		if b, ok := t.rows[u]; ok {
			out[u] = b
		}
	}
	return out, nil
}

// put stores d in both the source and the index, as a stitch does.
func (t *table) put(ix *Index, d Doc) {
	t.mu.Lock()
	t.rows[d.UID] = d.JSON
	t.mu.Unlock()
	ix.Upsert(d)
}

func TestIndexWith_ReadsWhatItDoesNotKeep(t *testing.T) {
	src := &table{rows: map[string][]byte{}}
	ix := NewIndexWith(src, 2)
	for i := range 5 {
		src.put(ix, testDoc(t, fmt.Sprintf("c%d", i), "Component", fmt.Sprintf("c%d", i), map[string]any{"lifecycle": "production"}))
	}
	src.put(ix, testDoc(t, "g1", "Group", "team", map[string]any{"type": "team"}))

	// c0 was pushed out of the cache by c2..c4: it is read from the source.
	js, err := ix.ByRef(bg, "component:default/c0")
	if err != nil || !strings.Contains(string(js), `"name":"c0"`) || src.reads != 1 {
		t.Fatalf("ByRef c0 = %s, %v after %d reads", js, err, src.reads)
	}
	// Now it is cached.
	if js, _ := ix.ByUID(bg, "c0"); js == nil || src.reads != 1 {
		t.Fatalf("ByUID c0 read the source again (%d reads)", src.reads)
	}
	// RowValues answers from the search rows, whatever the cache holds.
	reads := src.reads
	if got := ix.RowValues("Group:default/TEAM", "metadata.name", "spec.type", "spec.missing"); !slices.Equal(got, []string{"team", "team"}) || src.reads != reads {
		t.Fatalf("RowValues group = %q after %d reads", got, src.reads-reads)
	}
	if got := ix.RowValues("component:default/none", "metadata.name"); got != nil {
		t.Fatalf("RowValues of a missing entity = %q", got)
	}

	// A page reads the missing bodies in one call, in order.
	r, err := ix.Query(bg, QueryRequest{Filter: mustFilters(t, "kind=component"), Fields: []string{"metadata.name"}})
	if err != nil || len(r.Items) != 5 || r.TotalItems != 5 {
		t.Fatalf("Query = %d items of %d, %v", len(r.Items), r.TotalItems, err)
	}

	// An unpaged list reads everything but keeps none of it.
	ix.cache.Purge()
	before := src.reads
	all, err := ix.List(bg, ListRequest{})
	if err != nil || len(all.Items) != 6 || src.reads != before+1 {
		t.Fatalf("List = %d items, %v, %d reads", len(all.Items), err, src.reads-before)
	}
	if n := ix.cache.Len(); n != 0 {
		t.Fatalf("the stream left %d bodies in the cache", n)
	}

	// An entity deleted from the source since the index saw it is left out,
	// and ByRefs keeps its slot empty.
	src.mu.Lock()
	delete(src.rows, "c3")
	src.mu.Unlock()
	ix.cache.Remove("c3")
	items, err := ix.ByRefs(bg, []string{"component:default/c3", "component:default/c1"}, Predicate{}, nil)
	if err != nil || items[0] != nil || !strings.Contains(string(items[1]), `"name":"c1"`) {
		t.Fatalf("ByRefs = %q, %v", items, err)
	}

	// A failing source is an error, not a missing entity.
	src.fail = errors.New("database is gone")
	ix.cache.Purge()
	if _, err := ix.ByRef(bg, "component:default/c1"); err == nil {
		t.Fatal("ByRef hid the source's error")
	}
	if _, err := ix.Query(bg, QueryRequest{}); err == nil {
		t.Fatal("Query hid the source's error")
	}
}

// A body read from the source never replaces a newer one an upsert put in
// the cache meanwhile.
func TestIndexWith_ReadNeverOverwritesNewer(t *testing.T) {
	src := &table{rows: map[string][]byte{}}
	ix := NewIndexWith(src, 10)
	old := testDoc(t, "c1", "Component", "c1", map[string]any{"lifecycle": "production"})
	src.put(ix, old)
	ix.cache.Remove("c1")
	fresh := testDoc(t, "c1", "Component", "c1", map[string]any{"lifecycle": "deprecated"})
	ix.Upsert(fresh) // stitched after the hit was taken, before the read returns
	hits, err := ix.fill(bg, []hit{{uid: "c1"}}, true)
	if err != nil || len(hits) != 1 {
		t.Fatal(err)
	}
	if js, _ := ix.cache.Get("c1"); string(js) != string(fresh.JSON) {
		t.Fatalf("cache holds %s, want the upserted body", js)
	}
}
