package query

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stackyard/stackyard/catalog/model"
)

// update rewrites golden files: go test ./catalog/query/ -update
var update = flag.Bool("update", false, "rewrite golden files")

// fixtureDocs returns the stitched entities the reference Backstage served
// for ../shared/peer-backstage/fixtures (testdata/fixtures.json, captured
// from GET /entities), in uid order, with their JSON exactly as served.
func fixtureDocs(tb testing.TB) []Doc {
	tb.Helper()
	var raws []json.RawMessage
	readJSON(tb, "testdata/fixtures.json", &raws)
	docs := make([]Doc, len(raws))
	for i, raw := range raws {
		docs[i] = docFromJSON(tb, raw)
	}
	return docs
}

// docFromJSON builds a Doc from entity JSON, keeping the JSON as given
// (compacted).
func docFromJSON(tb testing.TB, raw []byte) Doc {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		tb.Fatal(err)
	}
	var e model.Entity
	if err := json.Unmarshal(raw, &e); err != nil {
		tb.Fatal(err)
	}
	d, err := NewDoc(e, buf.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// fixtureIndex returns an index holding the fixture entities.
func fixtureIndex(tb testing.TB, extra ...Doc) *Index {
	tb.Helper()
	ix := NewIndex()
	for _, d := range append(fixtureDocs(tb), extra...) {
		ix.Upsert(d)
	}
	return ix
}

// peerCapture is a request/response pair captured from the reference
// Backstage (testdata/peer, copied from ../shared/peer-backstage/responses).
type peerCapture struct {
	Request struct {
		Method string          `json:"method"`
		Path   string          `json:"path"`
		Body   json.RawMessage `json:"body"`
	} `json:"request"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

func readPeer(tb testing.TB, name string) peerCapture {
	tb.Helper()
	var c peerCapture
	readJSON(tb, filepath.Join("testdata", "peer", name+".json"), &c)
	return c
}

func readJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// decodeItems decodes JSON items for comparison.
func decodeItems(tb testing.TB, items [][]byte) []any {
	tb.Helper()
	out := make([]any, len(items))
	for i, it := range items {
		if it == nil {
			continue
		}
		if err := json.Unmarshal(it, &out[i]); err != nil {
			tb.Fatalf("item %d: %v: %s", i, err, it)
		}
	}
	return out
}

// decodeAny decodes raw JSON.
func decodeAny(tb testing.TB, raw []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// names returns metadata.name of each JSON item.
func names(tb testing.TB, items [][]byte) []string {
	tb.Helper()
	out := make([]string, len(items))
	for i, it := range items {
		var e struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		if err := json.Unmarshal(it, &e); err != nil {
			tb.Fatal(err)
		}
		out[i] = e.Metadata.Name
	}
	return out
}

func mustPredicate(tb testing.TB, s string) Predicate {
	tb.Helper()
	p, err := ParsePredicate(json.RawMessage(s))
	if err != nil {
		tb.Fatalf("ParsePredicate(%s): %v", s, err)
	}
	return p
}

func mustFilters(tb testing.TB, sets ...string) Predicate {
	tb.Helper()
	p, err := ParseFilters(sets)
	if err != nil {
		tb.Fatalf("ParseFilters(%q): %v", sets, err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func diff(a, b any) string { return cmp.Diff(a, b) }

// bg is the context of index reads in tests.
var bg = context.Background()
