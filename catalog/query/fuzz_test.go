package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

// Run with: go test ./catalog/query/ -fuzz FuzzParsePredicate -fuzztime 30s
// (and likewise FuzzParseFilters). Without -fuzz the seeds run as tests.
// When the fuzzer finds new coverage it minimizes the input for up to a
// minute, during which it reports 0 execs/sec; -fuzzminimizetime=5s keeps
// short runs busy.

// fuzzIndex is the fixture index the fuzzers evaluate predicates against.
var fuzzIndex = sync.OnceValue(func() *Index {
	var tb panicTB
	return fixtureIndex(&tb)
})

// panicTB is a testing.TB for helpers run outside a test: failures panic.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                           {}
func (panicTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func FuzzParsePredicate(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"kind":"component"}`, `{"kind":{"$in":["API",1,true]}}`,
		`{"$all":[{"kind":"component"},{"$not":{"spec.lifecycle":"production"}}]}`,
		`{"$any":[]}`, `{"metadata.name":{"$hasPrefix":"checkout"}}`,
		`{"relations":{"$contains":{"type":"ownedBy","targetRef":{"$in":["group:default/team-payments"]}}}}`,
		`{"relations":{"$contains":{"type":"memberOf"}}}`, `{"metadata.tags":{"$contains":"go"}}`,
		`{"spec.owner":{"$exists":false}}`, `{"a":1e400,"b":-0.0,"c":"\u2028"}`, `[]`, `{"$regex":1}`,
		`{"metadata.tags.go":true,"spec.type":{"$hasPrefix":""}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := ParsePredicate(raw)
		if err != nil {
			if !errors.Is(err, errs.ErrInput) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		checkRoundTrip(t, p)
		checkEvalAgrees(t, fuzzIndex(), p)
	})
}

func FuzzParseFilters(f *testing.F) {
	for _, seed := range []string{
		"kind=component", "kind=user,kind=group", "kind=component,spec.type=service\x00kind=group",
		"metadata.tags.java", "relations.ownedBy=group:default/team-payments", " , ,", "=x", "$not=x",
		"metadata.annotations.backstage.io/orphan=true", "a=b=c,a", "KIND=COMPONENT",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// NUL separates the values of repeated filter parameters.
		p, err := ParseFilters(strings.Split(in, "\x00"))
		if err != nil {
			if !errors.Is(err, errs.ErrInput) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		q, err := ParsePredicate(json.RawMessage(p.String()))
		if err != nil {
			// Filter keys may hold line breaks, which the predicate
			// grammar does not allow.
			if !strings.Contains(err.Error(), "Invalid field key") {
				t.Fatalf("ParsePredicate(%s): %v", p, err)
			}
			return
		}
		if q.String() != p.String() {
			t.Fatalf("round trip: %s became %s", p, q)
		}
		checkEvalAgrees(t, fuzzIndex(), p)
	})
}

// checkRoundTrip marshals p (through encoding/json, as a cursor would),
// parses it back and expects the same predicate.
func checkRoundTrip(t *testing.T, p Predicate) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePredicate(b)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", b, err)
	}
	if got, want := q.String(), p.String(); got != want {
		t.Fatalf("round trip: %s became %s", want, got)
	}
}

// checkEvalAgrees checks that set evaluation and per-doc matching agree on
// every doc of ix.
func checkEvalAgrees(t *testing.T, ix *Index, p Predicate) {
	t.Helper()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	set := ix.eval(p)
	ix.live.each(func(d uint32) bool {
		if got, want := set.has(d), ix.matchDoc(p, ix.docs[d].rows); got != want {
			t.Fatalf("%s on %s: eval %v, matchDoc %v", p, ix.strs.str(ix.docs[d].ref), got, want)
		}
		return true
	})
	n := 0
	set.each(func(d uint32) bool { n++; return ix.live.has(d) || t.Failed() })
	if n != set.n {
		t.Fatalf("%s: set counts %d members but holds %d", p, set.n, n)
	}
}

func FuzzQueryCursor(f *testing.F) {
	ix := fuzzIndex()
	first, err := ix.Query(bg, QueryRequest{Filter: mustFilters(f, "kind=component"), Limit: ptr(1), OrderField: &Order{Field: "metadata.name"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{first.NextCursor, "!!bad", "", "e30=", "W10=",
		`eyJvcmRlckZpZWxkcyI6W10sImlzUHJldmlvdXMiOnRydWUsIm9yZGVyRmllbGRWYWx1ZXMiOltudWxsXX0=`} {
		f.Add(seed, 2)
	}
	f.Fuzz(func(t *testing.T, c string, limit int) {
		limit %= 50
		r, err := ix.Query(bg, QueryRequest{Cursor: c, Limit: &limit})
		if err != nil {
			if !errors.Is(err, errs.ErrInput) {
				t.Fatalf("error is not an InputError: %v", err)
			}
			return
		}
		if len(r.Items) > max(limit, 0) {
			t.Fatalf("%d items for limit %d", len(r.Items), limit)
		}
	})
}
