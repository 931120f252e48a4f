package query

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
)

func TestIndex_UpsertLookupRemove(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	if got := ix.Len(); got != 16 {
		t.Fatalf("Len = %d, want 16", got)
	}
	js, ok := ix.ByRef("Group:Default/TEAM-PAYMENTS")
	if !ok || !strings.Contains(string(js), `"name":"team-payments"`) {
		t.Fatalf("ByRef (any case) = %s, %v", js, ok)
	}
	if _, ok := ix.ByUID("7d8d87e1-d0ff-46a6-a415-bd25f5be2d58"); !ok {
		t.Fatal("ByUID of team-payments failed")
	}
	if _, ok := ix.ByRef("group:default/missing"); ok {
		t.Fatal("ByRef of a missing entity succeeded")
	}

	ix.Remove("7d8d87e1-d0ff-46a6-a415-bd25f5be2d58")
	ix.Remove("7d8d87e1-d0ff-46a6-a415-bd25f5be2d58") // unknown now: no-op
	if _, ok := ix.ByRef("group:default/team-payments"); ok || ix.Len() != 15 {
		t.Fatalf("after Remove: found=%v Len=%d", ok, ix.Len())
	}
	if n := count(t, ix, "kind=group"); n != 2 {
		t.Errorf("groups after Remove = %d, want 2", n)
	}
}

func TestIndex_UpsertReplaces(t *testing.T) {
	t.Parallel()
	ix := NewIndex()
	ix.Upsert(testDoc(t, "u1", "Component", "a", map[string]any{"lifecycle": "production", "tags": []any{"x"}}))
	ix.Upsert(testDoc(t, "u1", "Component", "a", map[string]any{"lifecycle": "experimental"}))
	for filter, want := range map[string]int{
		"spec.lifecycle=production": 0, "spec.lifecycle=experimental": 1, "spec.tags.x": 0, "kind=component": 1,
	} {
		if got := count(t, ix, filter); got != want {
			t.Errorf("%s: %d, want %d", filter, got, want)
		}
	}

	// The same ref under a new uid replaces the entity (delete and re-add).
	ix.Upsert(testDoc(t, "u2", "Component", "A", map[string]any{"lifecycle": "deprecated"}))
	if _, ok := ix.ByUID("u1"); ok || ix.Len() != 1 {
		t.Fatalf("old uid still present, Len=%d", ix.Len())
	}
	// A rename keeps the uid and moves the ref.
	ix.Upsert(testDoc(t, "u2", "Component", "b", map[string]any{"lifecycle": "deprecated"}))
	if _, ok := ix.ByRef("component:default/a"); ok {
		t.Error("old ref still resolves")
	}
	if _, ok := ix.ByRef("component:default/b"); !ok {
		t.Error("new ref does not resolve")
	}
}

// testDoc builds a small entity document.
func testDoc(tb testing.TB, uid, kind, name string, spec map[string]any) Doc {
	tb.Helper()
	e := model.Entity{
		"apiVersion": "backstage.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": "default", "uid": uid},
		"spec":     spec,
	}
	b, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := NewDoc(e, b)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// count returns how many entities match a filter set.
func count(tb testing.TB, ix *Index, filters ...string) int {
	tb.Helper()
	r, err := ix.Query(QueryRequest{Filter: mustFilters(tb, filters...), Limit: ptr(0)})
	if err != nil {
		tb.Fatal(err)
	}
	return r.TotalItems
}

// predicateCases is a battery of predicates used against fixtures and the
// generated corpus.
var predicateCases = []string{
	`{}`,
	`{"kind":"component"}`,
	`{"KIND":"COMPONENT"}`,
	`{"kind":{"$in":["user","GROUP"]}}`,
	`{"metadata.tags":"go"}`,
	`{"metadata.tags.go":true}`,
	`{"metadata.tags":{"$contains":"typescript"}}`,
	`{"spec.owner":{"$exists":false}}`,
	`{"spec.system":{"$exists":true}}`,
	`{"metadata.name":{"$hasPrefix":"CHECKOUT"}}`,
	`{"metadata.name":{"$hasPrefix":""}}`,
	`{"relations":{"$contains":{"type":"ownedBy","targetRef":"group:default/team-payments"}}}`,
	`{"relations":{"$contains":{"type":"memberOf"}}}`,
	`{"relations":{"$contains":{"type":"OWNEDBY","targetRef":{"$in":["GROUP:DEFAULT/TEAM-PLATFORM","user:default/jdoe"]}}}}`,
	`{"$not":{"kind":"component"}}`,
	`{"$all":[{"kind":{"$in":["component","api"]}},{"$not":{"spec.lifecycle":"production"}}]}`,
	`{"$any":[{"kind":"domain"},{"spec.type":"service"}]}`,
	`{"$any":[]}`,
	`{"$all":[]}`,
	`{"$not":{"$any":[]}}`,
	`{"metadata.namespace":"default","metadata.uid":{"$exists":true}}`,
	`{"spec.replicas":3}`,
	`{"metadata.annotations.backstage.io/managed-by-location":{"$hasPrefix":"file:"}}`,
	`{"nonexistent":{"$exists":false}}`,
	`{"kind":"nonexistent-value"}`,
}

func TestIndex_EvalAgreesWithRows(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	docs := fixtureDocs(t)
	for _, c := range predicateCases {
		p := mustPredicate(t, c)
		checkEvalAgrees(t, ix, p)
		checkAgainstBrute(t, ix, docs, p)
	}
}

// checkAgainstBrute compares a query's total with a brute-force evaluation
// over the raw rows of docs.
func checkAgainstBrute(t *testing.T, ix *Index, docs []Doc, p Predicate) {
	t.Helper()
	want := 0
	for _, d := range docs {
		if bruteMatch(p.root, d.Rows) {
			want++
		}
	}
	r, err := ix.Query(QueryRequest{Filter: p, Limit: ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.TotalItems != want {
		t.Errorf("%s: totalItems %d, brute force %d", p, r.TotalItems, want)
	}
}

// bruteMatch evaluates a predicate node directly on search rows, as the SQL
// of Backstage's catalog would.
func bruteMatch(n *pnode, rows []Row) bool {
	if n == nil {
		return true
	}
	switch n.kind {
	case pNot:
		return !bruteMatch(n.kids[0], rows)
	case pAll, pAny:
		for _, k := range n.kids {
			if bruteMatch(k, rows) == (n.kind == pAny) {
				return n.kind == pAny
			}
		}
		return n.kind == pAll
	}
	for _, c := range n.conds {
		found := false
		for _, r := range rows {
			if r.Key != c.lkey {
				continue
			}
			switch {
			case c.kind == cExists || (c.kind == cRelation && c.vals == nil):
				found = true
			case c.kind == cPrefix:
				found = found || (r.HasValue && strings.HasPrefix(r.Value, jsLower(c.prefix)))
			default:
				for _, v := range c.vals {
					found = found || (r.HasValue && r.Value == v.match)
				}
			}
		}
		if c.kind == cExists && !c.exists {
			found = !found
		}
		if !found {
			return false
		}
	}
	return true
}

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
	if _, err := ix.Query(QueryRequest{OrderField: &Order{Field: "metadata.name"}, Limit: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	lifecycles := []string{"production", "Experimental", "deprecated", "PRODUCTION"}
	for step := range 3000 {
		i := rnd.IntN(len(entities))
		e := entities[i]
		md := e["metadata"].(map[string]any)
		switch rnd.IntN(6) {
		case 0: // remove
			ix.Remove(md["uid"].(string))
			delete(current, md["uid"].(string))
			continue
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
	docs := slices.Collect(func(yield func(Doc) bool) {
		for _, d := range current {
			if !yield(d) {
				return
			}
		}
	})
	if ix.Len() != len(docs) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(docs))
	}
	for _, c := range append(predicateCases, `{"spec.lifecycle":"production"}`, `{"metadata.tags":"t3"}`) {
		p := mustPredicate(t, c)
		checkEvalAgrees(t, ix, p)
		checkAgainstBrute(t, ix, docs, p)
	}
	checkFacetsAgainstBrute(t, ix, docs, "spec.lifecycle")
	checkFacetsAgainstBrute(t, ix, docs, "metadata.tags")
	checkOrderAgainstBrute(t, ix, docs, "metadata.name")
	checkOrderAgainstBrute(t, ix, docs, "spec.lifecycle")
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
// compares the sequence with a brute-force sort.
func checkOrderAgainstBrute(t *testing.T, ix *Index, docs []Doc, field string) {
	t.Helper()
	type entry struct{ Val, UID string }
	var want []entry
	for _, d := range docs {
		seen := map[string]bool{}
		for _, r := range d.Rows {
			if r.Key == field && r.HasValue && !seen[r.Value] {
				seen[r.Value] = true
				want = append(want, entry{r.Value, d.UID})
			}
		}
	}
	slices.SortFunc(want, func(a, b entry) int { return strings.Compare(a.Val+"\x00"+a.UID, b.Val+"\x00"+b.UID) })
	var got []entry
	req := QueryRequest{OrderField: &Order{Field: field}, Limit: ptr(97), Fields: []string{"metadata.uid"}}
	for {
		r, err := ix.Query(req)
		if err != nil {
			t.Fatal(err)
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
		seen := map[string]bool{}
		var last []string
		req := QueryRequest{OrderField: order, Limit: ptr(50), Fields: []string{"metadata.uid,metadata.name"}}
		for {
			r, err := ix.Query(req)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range r.Items {
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
			if r.NextCursor == "" {
				break
			}
			req = QueryRequest{Cursor: r.NextCursor, Limit: ptr(50), Fields: req.Fields}
		}
		for uid := range stable {
			if !seen[uid] {
				t.Fatalf("order %v: stable entity %s was skipped", order, uid)
			}
		}
	}
}
