package query

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
)

func TestIndex_UpsertLookupRemove(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	if got := ix.Len(); got != 16 {
		t.Fatalf("Len = %d, want 16", got)
	}
	js, err := ix.ByRef(bg, "Group:Default/TEAM-PAYMENTS")
	if err != nil || !strings.Contains(string(js), `"name":"team-payments"`) {
		t.Fatalf("ByRef (any case) = %s, %v", js, err)
	}
	if js, _ := ix.ByUID(bg, "7d8d87e1-d0ff-46a6-a415-bd25f5be2d58"); js == nil {
		t.Fatal("ByUID of team-payments failed")
	}
	if js, _ := ix.ByRef(bg, "group:default/missing"); js != nil {
		t.Fatal("ByRef of a missing entity succeeded")
	}

	ix.Remove("7d8d87e1-d0ff-46a6-a415-bd25f5be2d58")
	ix.Remove("7d8d87e1-d0ff-46a6-a415-bd25f5be2d58") // unknown now: no-op
	if js, _ := ix.ByRef(bg, "group:default/team-payments"); js != nil || ix.Len() != 15 {
		t.Fatalf("after Remove: found=%s Len=%d", js, ix.Len())
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
	if js, _ := ix.ByUID(bg, "u1"); js != nil || ix.Len() != 1 {
		t.Fatalf("old uid still present, Len=%d", ix.Len())
	}
	// A rename keeps the uid and moves the ref.
	ix.Upsert(testDoc(t, "u2", "Component", "b", map[string]any{"lifecycle": "deprecated"}))
	if js, _ := ix.ByRef(bg, "component:default/a"); js != nil {
		t.Error("old ref still resolves")
	}
	if js, _ := ix.ByRef(bg, "component:default/b"); js == nil {
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
	r, err := ix.Query(bg, QueryRequest{Filter: mustFilters(tb, filters...), Limit: ptr(0)})
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
	r, err := ix.Query(bg, QueryRequest{Filter: p, Limit: ptr(0)})
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

// TestByRefs covers checklist 27, with the peer's (catalog backend 3.2.0)
// exact match: a ref that is not the lower-cased canonical ref finds nothing.
func TestByRefs(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	refs := []string{"component:default/checkout-web", "Component:DEFAULT/Ledger-Lib", "component:default/ledger-lib",
		"component:default/missing", "not a ref", "component:ledger-lib", "group:default/team-payments"}
	got, err := ix.ByRefs(bg, refs, mustFilters(t, "kind=component"), []string{"metadata.name"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"metadata":{"name":"checkout-web"}}`, "", `{"metadata":{"name":"ledger-lib"}}`, "", "", "", ""}
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != want[i] || (want[i] == "") != (got[i] == nil) {
			t.Errorf("item %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := ix.ByRefs(bg, refs, Predicate{}, []string{"a[0]"}); err == nil {
		t.Error("array field accepted")
	}
}

// TestQuery_EmptyRequest covers checklist 25: no parameters give the first
// page of everything, 200 at most, in uid order.
func TestQuery_EmptyRequest(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	r, err := ix.Query(bg, QueryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ix.List(bg, ListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r.TotalItems != 16 || r.NextCursor != "" || r.PrevCursor != "" {
		t.Errorf("total %d, cursors %q %q", r.TotalItems, r.NextCursor, r.PrevCursor)
	}
	if d := diff(names(t, want.Items), names(t, r.Items)); d != "" {
		t.Errorf("(-list +query):\n%s", d)
	}
	big := NewIndex()
	for i := range 250 {
		big.Upsert(testDoc(t, fmt.Sprintf("u%03d", i), "Component", fmt.Sprint("c", i), nil))
	}
	if r, err := big.Query(bg, QueryRequest{}); err != nil || len(r.Items) != DefaultQueryLimit || r.NextCursor == "" {
		t.Errorf("default limit: %d items, next %q, %v", len(r.Items), r.NextCursor, err)
	}
}
