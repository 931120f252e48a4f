package query

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
)

// TestIndex_BatchMatchesSequential applies the same random writes to one
// index with Upsert and Remove and to another with UpsertBatch, in batches
// that repeat uids, move refs between uids and rename, and checks that the
// two end up with identical structures: docs, postings, views, facets, text
// columns and string reference counts.
func TestIndex_BatchMatchesSequential(t *testing.T) {
	t.Parallel()
	entities := generateEntities(1200, 21)
	rnd := rand.New(rand.NewPCG(5, 6))
	seq, bat := NewIndex(), NewIndex()
	docs := docsFor(t, entities)
	for _, d := range docs[:600] {
		seq.Upsert(d)
	}
	bat.UpsertBatch(docs[:600])
	for _, ix := range []*Index{seq, bat} {
		warmReads(t, ix)
	}
	current := map[string]Doc{}
	for _, d := range docs[:600] {
		current[d.UID] = d
	}
	next := 600
	lifecycles := []string{"production", "Experimental", "deprecated", "PRODUCTION"}
	for round := range 150 {
		var batch []Doc
		for range 1 + rnd.IntN(40) {
			var d Doc
			switch op := rnd.IntN(10); {
			case op < 3 && next < len(docs): // new
				d = docs[next]
				next++
			case op == 3 && len(batch) > 0: // the same uid again in the batch
				d = batch[rnd.IntN(len(batch))]
			default: // change an entity: new uid, new name, or new values
				e := entities[rnd.IntN(next)]
				md := e["metadata"].(map[string]any)
				switch rnd.IntN(4) {
				case 0:
					md["uid"] = fmt.Sprintf("re-%d-%d", round, rnd.Int())
				case 1:
					md["name"] = fmt.Sprintf("renamed-%d", rnd.IntN(300))
				default:
					if spec, ok := e["spec"].(map[string]any); ok {
						spec["lifecycle"] = lifecycles[rnd.IntN(len(lifecycles))]
					}
					md["tags"] = []any{fmt.Sprint("t", rnd.IntN(5)), fmt.Sprint("n", rnd.IntN(1000))}
					md["title"] = fmt.Sprint("Title ", rnd.IntN(2000))
				}
				d = docsFor(t, []model.Entity{e})[0]
			}
			seq.Upsert(d)
			for uid, old := range current {
				if old.Ref == d.Ref {
					delete(current, uid)
				}
			}
			current[d.UID] = d
			batch = append(batch, d)
		}
		bat.UpsertBatch(batch)
		for range rnd.IntN(4) {
			uid := docs[rnd.IntN(next)].UID
			seq.Remove(uid)
			bat.Remove(uid)
			delete(current, uid)
		}
		if round%50 == 49 {
			if d := diff(snapshot(seq), snapshot(bat)); d != "" {
				t.Fatalf("round %d: sequential and batched indexes differ (-seq +batch):\n%s", round, d)
			}
		}
	}
	all := slices.Collect(maps.Values(current))
	if bat.Len() != len(all) {
		t.Fatalf("Len = %d, want %d", bat.Len(), len(all))
	}
	for _, c := range append(predicateCases, `{"spec.lifecycle":"production"}`, `{"metadata.tags":"t3"}`) {
		checkAgainstBrute(t, bat, all, mustPredicate(t, c))
	}
	for _, ix := range []*Index{seq, bat} { // both, to build the same text columns
		for _, term := range []string{"gate", "renamed-1", "t3", "title 1", "e%w", "_"} {
			checkFullTextAgainstBrute(t, ix, all, term, "metadata.name", "metadata.tags", "metadata.title")
		}
	}
	checkFacetsAgainstBrute(t, bat, all, "spec.lifecycle")
	checkFacetsAgainstBrute(t, bat, all, "metadata.tags")
	for _, ix := range []*Index{seq, bat} {
		canonical(ix)
	}
	if d := diff(snapshot(seq), snapshot(bat)); d != "" {
		t.Fatalf("sequential and batched indexes differ (-seq +batch):\n%s", d)
	}
	if d := diff(refCounts(seq), refCounts(bat)); d != "" {
		t.Fatalf("string references differ (-seq +batch):\n%s", d)
	}
	// Removing everything must release every string but those of the
	// structures built on demand.
	for uid := range current {
		bat.Remove(uid)
	}
	for _, v := range bat.allViews() {
		bat.viewMerge(v)
	}
	for k := range bat.texts {
		bat.dropTextCol(k)
	}
	if n, want := bat.strs.len(), len(bat.views)+len(bat.dirs); n != want {
		t.Errorf("%d strings left in an empty index, want %d (the keys of views and facets)", n, want)
	}
}

// TestIndex_UpsertBatchLarge loads more docs than one chunk holds.
func TestIndex_UpsertBatchLarge(t *testing.T) {
	t.Parallel()
	docs := docsFor(t, generateEntities(3*batchChunk+7, 4))
	seq, bat := NewIndex(), NewIndex()
	for _, d := range docs {
		seq.Upsert(d)
	}
	bat.UpsertBatch(docs)
	bat.UpsertBatch(docs[:100]) // unchanged docs: nothing to do
	if d := diff(snapshot(seq), snapshot(bat)); d != "" {
		t.Fatalf("sequential and batched indexes differ (-seq +batch):\n%s", d)
	}
}

func TestPostings_AddRun(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	has := map[[3]uint32]bool{} // (doc, key, val)
	p := postings{docHas: func(d, k, v uint32) bool { return has[[3]uint32{d, k, v}] }}
	const universe = 3000
	for i := range 3000 {
		k, v := uint32(rnd.IntN(3)), uint32(rnd.IntN(4))
		if rnd.IntN(3) == 0 { // remove some members
			for range 1 + rnd.IntN(20) {
				d := uint32(rnd.IntN(universe))
				if has[[3]uint32{d, k, v}] {
					p.remove(k, v, d, universe)
					delete(has, [3]uint32{d, k, v})
				}
			}
		} else { // add a run, mostly of new ids
			var run []uint32
			lo := rnd.IntN(universe)
			for range 1 + rnd.IntN(1+rnd.IntN(300)) {
				d := uint32(lo + rnd.IntN(universe-lo))
				if !has[[3]uint32{d, k, v}] && !slices.Contains(run, d) {
					run = append(run, d)
				}
			}
			if len(run) == 0 {
				continue
			}
			slices.Sort(run)
			for _, d := range run {
				has[[3]uint32{d, k, v}] = true
			}
			wasEmpty := p.get(k, v).n == 0
			if isNew := p.addRun(k, v, run, universe); isNew != wasEmpty {
				t.Fatalf("step %d: addRun reported new=%v for a posting of %d", i, isNew, p.get(k, v).n)
			}
		}
		s := p.get(k, v)
		n := 0
		for d := range uint32(universe) {
			if s.has(d) != has[[3]uint32{d, k, v}] {
				t.Fatalf("step %d: (%d,%d) has(%d) = %v", i, k, v, d, s.has(d))
			}
			if s.has(d) {
				n++
			}
		}
		if s.n != n {
			t.Fatalf("step %d: (%d,%d) n = %d, want %d", i, k, v, s.n, n)
		}
	}
}

// allViews returns the views of ix.
func (ix *Index) allViews() []*view {
	vs := []*view{ix.uidView}
	if ix.refView != nil {
		vs = append(vs, ix.refView)
	}
	return append(vs, slices.Collect(maps.Values(ix.views))...)
}

// canonical brings the parts of ix whose layout depends on the order of
// writes into one form: views merged (dead entries released) and text
// columns rebuilt (garbage released).
func canonical(ix *Index) {
	for _, v := range ix.allViews() {
		ix.viewMerge(v)
	}
	for k, c := range ix.texts {
		n := ix.makeTextCol(k)
		n.used.Store(c.used.Load())
		ix.dropTextCol(k)
		ix.texts[k] = n
	}
}

// refCounts returns the reference count of every string of ix.
func refCounts(ix *Index) map[string]uint32 {
	out := map[string]uint32{}
	for id, r := range ix.strs.refs {
		if r > 0 {
			out[ix.strs.str(uint32(id))] = r
		}
	}
	return out
}

// indexSnapshot is the content of an index in terms of strings.
type indexSnapshot struct {
	Docs     map[string]string           // uid -> ref and JSON
	Rows     map[string][][3]string      // uid -> rows
	Postings map[string][]string         // "key=value" -> uids
	Views    map[string][][3]string      // view -> (value, uid, doc uid) in order
	Facets   map[string]map[string]int32 // key -> original -> count
	Texts    map[string][]string         // key -> distinct values with docs
	Pending  int                         // queued work, must be 0
}

func snapshot(ix *Index) indexSnapshot {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := indexSnapshot{Docs: map[string]string{}, Rows: map[string][][3]string{}, Postings: map[string][]string{},
		Views: map[string][][3]string{}, Facets: map[string]map[string]int32{}, Texts: map[string][]string{}}
	str := func(id uint32) string {
		switch id {
		case nullVal:
			return "<null>"
		case anyVal:
			return "<any>"
		}
		return ix.strs.str(id)
	}
	ix.live.each(func(d uint32) bool {
		rec := ix.docs[d]
		uid := str(rec.uid)
		s.Docs[uid] = str(rec.ref) + " " + string(rec.json)
		for _, r := range rec.rows {
			s.Rows[uid] = append(s.Rows[uid], [3]string{str(r.key), str(r.val), str(r.orig)})
		}
		// Rows are in string id order, which depends on the order of writes.
		slices.SortFunc(s.Rows[uid], func(a, b [3]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
		for _, p := range pairs(rec.rows) {
			k, v := uint32(p>>32), uint32(p)
			name := str(k) + "=" + str(v)
			if _, done := s.Postings[name]; done {
				continue
			}
			var uids []string
			ix.post.get(k, v).each(func(d uint32) bool { uids = append(uids, str(ix.docs[d].uid)); return true })
			slices.Sort(uids)
			s.Postings[name] = uids
		}
		return true
	})
	walk := func(name string, v *view) {
		s.Pending += len(v.pend)
		it := ix.iterate(v, true, nil)
		for e, ok := it.next(); ok; e, ok = it.next() {
			s.Views[name] = append(s.Views[name], [3]string{str(e.val), str(e.uid), str(ix.docs[e.doc].uid)})
		}
	}
	walk("<uid>", ix.uidView)
	if ix.refView != nil {
		walk("<ref>", ix.refView)
	}
	for k, v := range ix.views {
		walk(str(k), v)
	}
	for k, f := range ix.dirs {
		m := map[string]int32{}
		for o, b := range f.buckets {
			m[str(o)] = b.n
		}
		s.Facets[str(k)] = m
	}
	for k, c := range ix.texts {
		var vals []string
		for _, v := range c.vals {
			if ix.post.get(k, v).n > 0 {
				vals = append(vals, str(v))
			}
		}
		slices.Sort(vals)
		s.Texts[str(k)] = slices.Compact(vals)
		// Every value of the key must be in the column.
		ix.post.get(k, anyVal).each(func(d uint32) bool {
			for _, r := range keyRows(ix.docs[d].rows, k) {
				if r.val != nullVal && !slices.Contains(c.vals, r.val) {
					s.Texts[str(k)] = append(s.Texts[str(k)], "MISSING "+str(r.val))
				}
			}
			return true
		})
	}
	s.Pending += len(ix.batch.adds) + len(ix.batch.touched)
	return s
}

// TestTextCol_KeptCurrent checks that a text column follows renames without
// being rebuilt, and that the garbage of lost values is compacted away.
func TestTextCol_KeptCurrent(t *testing.T) {
	t.Parallel()
	entities := generateEntities(300, 8)
	ix := NewIndex()
	ix.UpsertBatch(docsFor(t, entities))
	checkFullTextAgainstBrute(t, ix, docsFor(t, entities), "gate", "metadata.name") // builds the column
	k, _ := ix.strs.lookup("metadata.name")
	col := ix.texts[k]
	if col == nil {
		t.Fatal("no text column for metadata.name")
	}
	for round := range 20 {
		var batch []Doc
		for i, e := range entities {
			if i%3 == round%3 {
				e["metadata"].(map[string]any)["name"] = fmt.Sprintf("renamed-%d-%d", round, i)
				batch = append(batch, docsFor(t, []model.Entity{e})[0])
			}
		}
		ix.UpsertBatch(batch)
		docs := docsFor(t, entities)
		for _, term := range []string{"gate", fmt.Sprintf("renamed-%d-", round), "renamed-1", "_-1"} {
			checkFullTextAgainstBrute(t, ix, docs, term, "metadata.name")
		}
		if c := ix.texts[k]; c == nil || len(c.vals) > 2*len(entities)+200 {
			t.Fatalf("round %d: column missing or not compacted", round)
		}
	}
	if ix.texts[k] == col {
		t.Error("the column was never compacted")
	}
}
