package query

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// The tests in this file replay requests captured from the reference
// Backstage against an index loaded with the same entities and compare the
// bodies.

// peerCase replays one captured request.
type peerCase struct {
	name    string
	capture string
	extra   bool // the capture was taken after registered-service was added
	run     func(ix *Index) (any, error)
}

func TestIndex_MatchesPeer(t *testing.T) {
	t.Parallel()
	registered := readPeer(t, "catalog-by-name-registered")
	for _, tt := range peerCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var extra []Doc
			if tt.extra {
				extra = append(extra, docFromJSON(t, registered.Body))
			}
			ix := fixtureIndex(t, extra...)
			got, err := tt.run(ix)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(rawItems(got))
			if err != nil {
				t.Fatal(err)
			}
			want := readPeer(t, tt.capture).Body
			if d := diff(decodeCursors(t, decodeAny(t, want)), decodeCursors(t, decodeAny(t, b))); d != "" {
				t.Errorf("body mismatch (-peer +got):\n%s", d)
			}
		})
	}
}

// peerCases lists the captured requests and how to answer them.
func peerCases(t *testing.T) []peerCase {
	return []peerCase{
		{"list all", "catalog-entities", false, func(ix *Index) (any, error) {
			r, err := ix.List(bg, ListRequest{})
			return r.Items, err
		}},
		{"list filter fields", "catalog-entities-filter-fields", false, func(ix *Index) (any, error) {
			r, err := ix.List(bg, ListRequest{Filter: mustFilters(t, "kind=component,spec.lifecycle=production"), Fields: []string{"kind,metadata.name,spec.owner"}})
			return r.Items, err
		}},
		{"by-query limit 2", "catalog-by-query-limit2", false, func(ix *Index) (any, error) {
			return queryBody(ix.Query(bg, QueryRequest{Limit: ptr(2), FullText: &FullText{}}))
		}},
		{"by-query next page from the peer's cursor", "catalog-by-query-limit2-next", false, func(ix *Index) (any, error) {
			path := readPeer(t, "catalog-by-query-limit2-next").Request.Path
			_, c, _ := strings.Cut(path, "cursor=")
			return queryBody(ix.Query(bg, QueryRequest{Cursor: c}))
		}},
		{"by-query exists desc", "catalog-by-query-exists-filter", true, func(ix *Index) (any, error) {
			return queryBody(ix.Query(bg, QueryRequest{Filter: mustFilters(t, "spec.system"), Fields: []string{"kind,metadata.name,spec.system"},
				OrderField: &Order{Field: "metadata.name", Desc: true}, FullText: &FullText{}}))
		}},
		{"by-query filter order fields", "catalog-by-query-filter-order-fields", false, func(ix *Index) (any, error) {
			return queryBody(ix.Query(bg, QueryRequest{Filter: mustFilters(t, "kind=component"), Fields: []string{"metadata.name,spec.type,spec.owner"},
				OrderField: &Order{Field: "metadata.name"}, Limit: ptr(100), FullText: &FullText{}}))
		}},
		{"by-query full text", "catalog-by-query-fulltext", false, func(ix *Index) (any, error) {
			return queryBody(ix.Query(bg, QueryRequest{FullText: &FullText{Term: "checkout", Fields: []string{"metadata.name"}}, Fields: []string{"kind,metadata.name"}}))
		}},
		{"facets kind", "catalog-entity-facets-kind", false, func(ix *Index) (any, error) {
			return map[string]any{"facets": ix.Facets(Predicate{}, []string{"kind"})}, nil
		}},
		{"facets filtered", "catalog-entity-facets-multi", false, func(ix *Index) (any, error) {
			return map[string]any{"facets": ix.Facets(mustFilters(t, "kind=component"), []string{"spec.lifecycle", "spec.type"})}, nil
		}},
		{"by-refs", "catalog-by-refs", false, func(ix *Index) (any, error) {
			items, err := ix.ByRefs(bg, []string{"component:default/checkout-web", "api:default/payments-api", "component:default/nope"},
				Predicate{}, []string{"kind", "metadata.name", "relations"})
			return map[string]any{"items": items}, err
		}},
	}
}

// queryBody renders a by-query result as the HTTP body.
func queryBody(r QueryResult, err error) (any, error) {
	page := map[string]string{}
	if r.NextCursor != "" {
		page["nextCursor"] = r.NextCursor
	}
	if r.PrevCursor != "" {
		page["prevCursor"] = r.PrevCursor
	}
	return map[string]any{"items": r.Items, "totalItems": r.TotalItems, "pageInfo": page}, err
}

// rawItems turns [][]byte item lists into JSON arrays of raw messages.
func rawItems(v any) any {
	switch t := v.(type) {
	case [][]byte:
		out := make([]json.RawMessage, len(t))
		for i, b := range t {
			if b == nil {
				out[i] = json.RawMessage("null")
			} else {
				out[i] = b
			}
		}
		return out
	case map[string]any:
		for k, x := range t {
			t[k] = rawItems(x)
		}
	}
	return v
}

// decodeCursors replaces the cursors of a by-query body with their decoded
// JSON, without the skipTotalItems member that only older Backstage
// releases write.
func decodeCursors(tb testing.TB, body any) any {
	tb.Helper()
	m, _ := body.(map[string]any)
	page, _ := m["pageInfo"].(map[string]any)
	for k, c := range page {
		raw, err := base64.StdEncoding.DecodeString(c.(string))
		if err != nil {
			tb.Fatal(err)
		}
		v := decodeAny(tb, raw).(map[string]any)
		delete(v, "skipTotalItems")
		page[k] = v
	}
	return body
}
