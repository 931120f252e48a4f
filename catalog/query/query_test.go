package query

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

// pageThrough follows next cursors from the first request and returns the
// pages.
func pageThrough(t *testing.T, ix *Index, first QueryRequest) []QueryResult {
	t.Helper()
	var pages []QueryResult
	req := first
	for {
		r, err := ix.Query(bg, req)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, r)
		if r.NextCursor == "" || len(pages) > 100 {
			return pages
		}
		req = QueryRequest{Cursor: r.NextCursor, Limit: first.Limit, Fields: first.Fields}
	}
}

func TestQuery_CursorRoundTrips(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	tests := []struct {
		name  string
		req   QueryRequest
		total int
		order func(a, b string) int // on metadata.name, nil for uid order
	}{
		{"uid order", QueryRequest{Limit: ptr(3)}, 16, nil},
		{"by name", QueryRequest{Limit: ptr(3), OrderField: &Order{Field: "metadata.name"}}, 16, strings.Compare},
		{"by name desc", QueryRequest{Limit: ptr(4), OrderField: &Order{Field: "metadata.name", Desc: true}}, 16,
			func(a, b string) int { return strings.Compare(b, a) }},
		{"filtered", QueryRequest{Limit: ptr(2), Filter: mustFilters(t, "kind=component,kind=group")}, 7, nil},
		{"predicate and full text", QueryRequest{Limit: ptr(1), Filter: mustPredicate(t, `{"$not":{"kind":"location"}}`),
			FullText: &FullText{Term: " PAY ", Fields: []string{"metadata.name", "spec.owner"}}}, 7, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pages := pageThrough(t, ix, tt.req)
			var all []string
			for i, p := range pages {
				if p.TotalItems != tt.total {
					t.Errorf("page %d: totalItems %d, want %d (carried from the first page)", i, p.TotalItems, tt.total)
				}
				if (p.PrevCursor != "") != (i > 0) {
					t.Errorf("page %d: prevCursor %q", i, p.PrevCursor)
				}
				all = append(all, names(t, p.Items)...)
			}
			if len(all) != tt.total {
				t.Fatalf("%d items over %d pages, want %d: %v", len(all), len(pages), tt.total, all)
			}
			if tt.order != nil && !slices.IsSortedFunc(all, tt.order) {
				t.Errorf("not sorted: %v", all)
			}
			checkPrevCursors(t, ix, pages, tt.req.Limit)
		})
	}
}

// checkPrevCursors walks back with prev cursors: each page must equal the
// one before it, carry a nextCursor, and have a prevCursor unless it is the
// first.
func checkPrevCursors(t *testing.T, ix *Index, pages []QueryResult, limit *int) {
	t.Helper()
	for i := len(pages) - 1; i > 0; i-- {
		prev, err := ix.Query(bg, QueryRequest{Cursor: pages[i].PrevCursor, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(names(t, pages[i-1].Items), names(t, prev.Items)); d != "" {
			t.Errorf("prev of page %d (-page %d +prev):\n%s", i, i-1, d)
		}
		if prev.NextCursor == "" {
			t.Errorf("a page fetched with a prev cursor has no nextCursor")
		}
		if (prev.PrevCursor != "") != (i-1 > 0) {
			t.Errorf("prev page %d: prevCursor %q", i-1, prev.PrevCursor)
		}
	}
}

func TestQuery_Semantics(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	tests := []struct {
		name      string
		req       QueryRequest
		wantNames []string // in order; nil means check only the total
		total     int
		noCursors bool
	}{
		{"limit 0 counts", QueryRequest{Limit: ptr(0), Filter: mustFilters(t, "kind=component")}, []string{}, 4, true},
		{"exclude total", QueryRequest{Limit: ptr(1), SkipTotalItems: true}, nil, 0, false},
		{"order field sorts entities without it last", QueryRequest{OrderField: &Order{Field: "spec.lifecycle"}, Fields: []string{"metadata.name"}},
			append([]string{"ledger-lib", "notifications-worker", "checkout-service", "checkout-web", "payments-api"}, lifecycleNulls...), 16, true},
		{"nulls stay last in descending order", QueryRequest{OrderField: &Order{Field: "spec.lifecycle", Desc: true}, Fields: []string{"metadata.name"}},
			append([]string{"payments-api", "checkout-web", "checkout-service", "notifications-worker", "ledger-lib"}, reversed(lifecycleNulls)...), 16, true},
		{"offset into the nulls", QueryRequest{OrderField: &Order{Field: "spec.lifecycle"}, Offset: ptr(6), Limit: ptr(2)},
			lifecycleNulls[1:3], 16, false},
		{"order field nobody has sorts all by uid", QueryRequest{OrderField: &Order{Field: "spec.nothing"}, Limit: ptr(3)},
			[]string{"extra", "payments", "notifications-worker"}, 16, false},
		{"order field is not lower-cased", QueryRequest{OrderField: &Order{Field: "Metadata.Name"}, Limit: ptr(3)},
			[]string{"extra", "payments", "notifications-worker"}, 16, false},
		{"one entry per value", QueryRequest{OrderField: &Order{Field: "metadata.tags"}, Limit: ptr(7)},
			[]string{"checkout", "checkout-service", "checkout-web", "hello-debug", "checkout-web", "checkout", "extra"}, 18, false},
		{"full text on the order field keeps matching values only", QueryRequest{OrderField: &Order{Field: "metadata.tags"},
			FullText: &FullText{Term: "e", Fields: []string{"metadata.tags"}}}, []string{"checkout-web", "hello-debug", "checkout-web", "checkout"}, 4, true},
		{"full text on other fields keeps nulls", QueryRequest{OrderField: &Order{Field: "spec.lifecycle"},
			FullText: &FullText{Term: "checkout", Fields: []string{"metadata.name"}}}, []string{"checkout-service", "checkout-web", "checkout"}, 3, true},
		{"full text on name and title", QueryRequest{FullText: &FullText{Term: "ALPH", Fields: []string{"metadata.name", "metadata.title"}}}, []string{}, 0, true},
		{"full text matches title", QueryRequest{FullText: &FullText{Term: "Web", Fields: []string{"metadata.name", "metadata.title"}}}, []string{"checkout-web"}, 1, true},
		{"full text default field is metadata.uid", QueryRequest{FullText: &FullText{Term: "2201BC22"}}, []string{"extra"}, 1, true},
		{"full text default field is the order field", QueryRequest{OrderField: &Order{Field: "metadata.name", Desc: true}, FullText: &FullText{Term: "checkout"}},
			[]string{"checkout-web", "checkout-service", "checkout"}, 3, true},
		{"full text with no fields matches nothing", QueryRequest{FullText: &FullText{Term: "checkout", Fields: []string{}}}, []string{}, 0, true},
		{"full text LIKE wildcards", QueryRequest{FullText: &FullText{Term: "check%web", Fields: []string{"metadata.name"}}}, []string{"checkout-web"}, 1, true},
		{"blank term is ignored", QueryRequest{FullText: &FullText{Term: "  "}, Limit: ptr(0)}, []string{}, 16, true},
		{"offset", QueryRequest{Offset: ptr(14), OrderField: &Order{Field: "metadata.name"}}, []string{"team-payments", "team-platform"}, 16, true},
		{"offset past the end", QueryRequest{Offset: ptr(99)}, []string{}, 16, true},
		{"checklist 23", QueryRequest{Filter: mustPredicate(t, `{"$all":[{"kind":{"$in":["component","api"]}},{"$not":{"spec.lifecycle":"production"}}]}`),
			OrderField: &Order{Field: "metadata.name", Desc: true}}, []string{"ledger-lib"}, 1, true},
		{"checklist 24 prefix", QueryRequest{Filter: mustPredicate(t, `{"metadata.name":{"$hasPrefix":"CHECKOUT-"}}`)}, nil, 2, true},
		{"checklist 24 relation", QueryRequest{Filter: mustPredicate(t, `{"relations":{"$contains":{"type":"memberOf","targetRef":"group:default/team-platform"}}}`)},
			[]string{"asmith"}, 1, true},
		{"tags", QueryRequest{Filter: mustFilters(t, "metadata.tags.go"), Limit: ptr(0)}, []string{}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ix.Query(bg, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if r.TotalItems != tt.total {
				t.Errorf("totalItems = %d, want %d", r.TotalItems, tt.total)
			}
			if tt.wantNames != nil {
				if d := diff(tt.wantNames, names(t, r.Items)); d != "" {
					t.Errorf("items (-want +got):\n%s", d)
				}
			}
			if tt.noCursors && (r.NextCursor != "" || r.PrevCursor != "") {
				t.Errorf("unexpected cursors %q %q", r.NextCursor, r.PrevCursor)
			}
		})
	}
}

func TestQuery_ExcludedTotalIsCarried(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	for _, p := range pageThrough(t, ix, QueryRequest{Limit: ptr(5), SkipTotalItems: true}) {
		if p.TotalItems != 0 {
			t.Errorf("totalItems = %d, want 0", p.TotalItems)
		}
	}
}

// TestQuery_CursorCarriesQuery covers checklist 18 and 26: a cursor issued
// for a filtered request holds the filter under "query" (so catalog-client
// switches to POST), and requests with it ignore any other filter.
func TestQuery_CursorCarriesQuery(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	first, err := ix.Query(bg, QueryRequest{Filter: mustFilters(t, "kind=component"), Limit: ptr(1), OrderField: &Order{Field: "metadata.name"},
		FullText: &FullText{Term: ""}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(first.NextCursor)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"orderFields":[{"field":"metadata.name","order":"asc"}],"isPrevious":false,"query":{"kind":"component"},"fullTextFilter":{"term":""},` +
		`"orderFieldValues":["checkout-service","3591d81d-f22c-41dd-b05a-f65d8901bd72"],"firstSortFieldValues":["checkout-service","3591d81d-f22c-41dd-b05a-f65d8901bd72"],"totalItems":4}`
	if string(raw) != want {
		t.Errorf("cursor\n got %s\nwant %s", raw, want)
	}
	// Any filter next to the cursor is ignored; URL-safe base64 without
	// padding is accepted too.
	urlSafe := strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(first.NextCursor), "=")
	for _, c := range []string{first.NextCursor, urlSafe} {
		next, err := ix.Query(bg, QueryRequest{Cursor: c, Filter: mustFilters(t, "kind=group"), Limit: ptr(10)})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff([]string{"checkout-web", "ledger-lib", "notifications-worker"}, names(t, next.Items)); d != "" {
			t.Errorf("items (-want +got):\n%s", d)
		}
	}
}

func TestQuery_Errors(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	cursor := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name string
		req  QueryRequest
		want string
	}{
		{"garbage cursor", QueryRequest{Cursor: "!!bad"}, "Malformed cursor: "},
		{"not JSON", QueryRequest{Cursor: cursor("hello")}, "Malformed cursor: "},
		{"not an object", QueryRequest{Cursor: cursor("[]")}, "Malformed cursor: expected object"},
		{"missing orderFields", QueryRequest{Cursor: cursor(`{"isPrevious":false,"orderFieldValues":[]}`)}, "Malformed cursor: orderFields"},
		{"bad order", QueryRequest{Cursor: cursor(`{"orderFields":[{"field":"a","order":"up"}],"isPrevious":false,"orderFieldValues":[]}`)}, "Malformed cursor: orderFields"},
		{"missing isPrevious", QueryRequest{Cursor: cursor(`{"orderFields":[],"orderFieldValues":[]}`)}, "Malformed cursor: isPrevious"},
		{"bad values", QueryRequest{Cursor: cursor(`{"orderFields":[],"isPrevious":false,"orderFieldValues":[1]}`)}, "Malformed cursor: orderFieldValues"},
		{"bad query", QueryRequest{Cursor: cursor(`{"orderFields":[],"isPrevious":false,"orderFieldValues":[],"query":{"$regex":1}}`)}, "Malformed cursor: query: Invalid query"},
		{"bad total", QueryRequest{Cursor: cursor(`{"orderFields":[],"isPrevious":false,"orderFieldValues":[],"totalItems":"x"}`)}, "Malformed cursor: totalItems"},
		{"values mismatch", QueryRequest{Cursor: cursor(`{"orderFields":[],"isPrevious":false,"orderFieldValues":["a","b"]}`)}, "Malformed cursor: orderFieldValues do not match"},
		{"negative limit", QueryRequest{Limit: ptr(-1)}, "Invalid limit"},
		{"negative offset", QueryRequest{Offset: ptr(-1)}, "Invalid offset"},
		{"array field", QueryRequest{Fields: []string{"metadata.tags[0]"}}, `Invalid field "metadata.tags[0]", array type fields are not supported`},
	}
	for _, tt := range tests {
		_, err := ix.Query(bg, tt.req)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || !errors.Is(err, errs.ErrInput) {
			t.Errorf("%s: error %v, want InputError starting %q", tt.name, err, tt.want)
		}
	}
}

func TestQuery_NullCursorValuesMatchNothing(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	c := base64.StdEncoding.EncodeToString([]byte(`{"orderFields":[],"isPrevious":false,"orderFieldValues":[null],"totalItems":3}`))
	r, err := ix.Query(bg, QueryRequest{Cursor: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 0 || r.TotalItems != 3 {
		t.Errorf("got %d items, total %d", len(r.Items), r.TotalItems)
	}
}

func TestQuery_SmallSetPlan(t *testing.T) {
	t.Parallel()
	// A selective filter over a large catalog takes the collect-and-sort
	// plan; its pages must equal those of the view walk.
	docs := docsFor(t, generateEntities(3000, 5))
	ix := NewIndex()
	for _, d := range docs {
		ix.Upsert(d)
	}
	for _, order := range []*Order{nil, {Field: "metadata.name", Desc: true}, {Field: "metadata.tags"}} {
		req := QueryRequest{Filter: mustFilters(t, "kind=system"), OrderField: order, Limit: ptr(7), Fields: []string{"metadata.uid"}}
		var got []string
		for _, p := range pageThrough(t, ix, req) {
			for _, it := range p.Items {
				got = append(got, string(it))
			}
		}
		ix.mu.RLock()
		var c cursor
		if order != nil {
			c.orderFields = []Order{*order}
		}
		c.query = req.Filter
		hits, _ := ix.search(&c, 1<<30, 0, false, &builds{})
		ix.mu.RUnlock()
		var want []string
		for _, h := range hits {
			b, _ := json.Marshal(map[string]any{"metadata": map[string]string{"uid": h.uid}})
			want = append(want, string(b))
		}
		if d := diff(want, got); d != "" {
			t.Errorf("order %v (-one page +paged):\n%s", order, d)
		}
	}
}

// lifecycleNulls are the fixture entities without spec.lifecycle, by uid.
var lifecycleNulls = []string{"extra", "payments", "checkout", "jdoe", "team-platform", "hello-debug", "team-payments",
	"generated-b7f7795ac162a870cbdf7c68d96739ed1fa2c6b0", "asmith", "payments-db", "engineering"}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestQuery_NullsOnlyOnFirstPage pages through an order field that some
// entities lack. As in Backstage 3.2.0's SQL, a cursor on a value never
// reaches the nulls, and a cursor on a null matches nothing; totalItems
// counts the nulls throughout.
func TestQuery_NullsOnlyOnFirstPage(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	order := &Order{Field: "spec.lifecycle"}
	tests := []struct {
		name  string
		limit int
		pages [][]string
	}{
		{"values fill the first page", 3, [][]string{
			{"ledger-lib", "notifications-worker", "checkout-service"}, {"checkout-web", "payments-api"}}},
		{"first page reaches the nulls", 7, [][]string{
			{"ledger-lib", "notifications-worker", "checkout-service", "checkout-web", "payments-api", "extra", "payments"}, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pages := pageThrough(t, ix, QueryRequest{OrderField: order, Limit: ptr(tt.limit)})
			if len(pages) != len(tt.pages) {
				t.Fatalf("%d pages, want %d", len(pages), len(tt.pages))
			}
			for i, p := range pages {
				if d := diff(tt.pages[i], names(t, p.Items)); d != "" || p.TotalItems != 16 {
					t.Errorf("page %d: total %d, items (-want +got):\n%s", i, p.TotalItems, d)
				}
			}
			if last := pages[len(pages)-1]; last.NextCursor != "" || (len(last.Items) == 0) != (last.PrevCursor == "") {
				t.Errorf("last page cursors: next %q, prev %q", last.NextCursor, last.PrevCursor)
			}
		})
	}
}

func TestQuery_OrderFieldNullsSortLast(t *testing.T) {
	t.Parallel()
	ix := NewIndex()
	long := strings.Repeat("z", 300)
	ix.Upsert(testDoc(t, "1", "Component", "null", map[string]any{"x": nil}))
	ix.Upsert(testDoc(t, "2", "Component", "value", map[string]any{"x": "B"}))
	ix.Upsert(testDoc(t, "3", "Component", "mixed", map[string]any{"x": []any{nil, "a"}}))
	ix.Upsert(testDoc(t, "4", "Component", "long", map[string]any{"x": long}))
	ix.Upsert(testDoc(t, "5", "Component", "none", map[string]any{}))
	for _, tt := range []struct {
		desc bool
		want []string
	}{
		// A null row, a value too long to index and a missing key all
		// sort as null; "mixed" appears once per distinct value.
		{false, []string{"mixed", "value", "null", "mixed", "long", "none"}},
		{true, []string{"value", "mixed", "none", "long", "mixed", "null"}},
	} {
		r, err := ix.Query(bg, QueryRequest{OrderField: &Order{Field: "spec.x", Desc: tt.desc}})
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(tt.want, names(t, r.Items)); d != "" || r.TotalItems != 6 {
			t.Errorf("desc %v: total %d, items (-want +got):\n%s", tt.desc, r.TotalItems, d)
		}
	}
	if n := count(t, ix, "spec.x"); n != 4 {
		t.Errorf("existence matches %d, want 4 (null and long values count)", n)
	}
	lr, err := ix.List(bg, ListRequest{Order: []Order{{Field: "spec.x", Desc: true}}, Limit: ptr(10)})
	if err != nil {
		t.Fatal(err)
	}
	// Paged GET /entities joins without DISTINCT, with the same nulls.
	if d := diff([]string{"value", "mixed", "null", "mixed", "long", "none"}, names(t, lr.Items)); d != "" {
		t.Errorf("list: items (-want +got):\n%s", d)
	}
}
