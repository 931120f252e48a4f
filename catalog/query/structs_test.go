package query

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The internal structures are checked against plain Go maps and slices under
// random operations.

func TestHashIndex_RandomOps(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	var h hashIndex
	ref := map[uint32]uint32{}                                             // id -> hash
	hashOf := func(id uint32) uint32 { return uint32(id%97) * 0x9E3779B1 } // many collisions
	for i := range 20000 {
		id := uint32(rnd.IntN(3000))
		if _, ok := ref[id]; ok && rnd.IntN(2) == 0 {
			h.remove(hashOf(id), id)
			delete(ref, id)
		} else if !ok {
			h.insert(hashOf(id), id)
			ref[id] = hashOf(id)
		}
		if i%500 == 0 {
			for id := range uint32(3000) {
				_, want := ref[id]
				got, ok := h.find(hashOf(id), func(x uint32) bool { return x == id })
				if ok != want || (ok && got != id) {
					t.Fatalf("step %d: find(%d) = %d, %v; want present=%v", i, id, got, ok, want)
				}
			}
		}
	}
	if h.n != len(ref) {
		t.Errorf("n = %d, want %d", h.n, len(ref))
	}
}

func TestStrtab_InternReleaseCompact(t *testing.T) {
	t.Parallel()
	tab := newStrtab()
	ids := map[string]uint32{}
	refs := map[string]int{}
	rnd := rand.New(rand.NewPCG(3, 4))
	words := make([]string, 5000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d-%s", i, strings.Repeat("x", rnd.IntN(2000)))
	}
	words = append(words, "", strings.Repeat("L", strChunkSize+10))
	for range 60000 {
		w := words[rnd.IntN(len(words))]
		if refs[w] > 0 && rnd.IntN(2) == 0 {
			tab.release(ids[w])
			refs[w]--
			continue
		}
		id := tab.intern(w)
		if refs[w] > 0 && ids[w] != id {
			t.Fatalf("intern(%q) = %d, had %d", w[:min(len(w), 10)], id, ids[w])
		}
		ids[w] = id
		refs[w]++
	}
	held := 0
	for w, n := range refs {
		id, ok := tab.lookup(w)
		if ok != (n > 0) {
			t.Fatalf("lookup(%.10q) = %v, references %d", w, ok, n)
		}
		if ok && tab.str(id) != w {
			t.Fatalf("str(%d) = %.10q, want %.10q", id, tab.str(id), w)
		}
		if n > 0 {
			held++
		}
	}
	if tab.len() != held {
		t.Errorf("len() = %d, want %d", tab.len(), held)
	}
	tab.compact()
	for w, n := range refs {
		if id, ok := tab.lookup(w); n > 0 && (!ok || tab.str(id) != w) {
			t.Fatalf("after compact, %.10q is lost", w)
		}
	}
}

func TestDocset_Ops(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(5, 6))
	randomSet := func(n, universe int) (*docset, map[uint32]bool) {
		ref := map[uint32]bool{}
		for range n {
			ref[uint32(rnd.IntN(universe))] = true
		}
		ids := make([]uint32, 0, len(ref))
		for d := range ref {
			ids = append(ids, d)
		}
		slices.Sort(ids)
		s := idSet(ids)
		if rnd.IntN(2) == 0 {
			s = bitSet(s.toBits(0))
		}
		return s, ref
	}
	check := func(name string, got *docset, want func(d uint32) bool, universe int) {
		t.Helper()
		n := 0
		for d := range uint32(universe) {
			if got.has(d) != want(d) {
				t.Fatalf("%s: has(%d) = %v", name, d, got.has(d))
			}
			if want(d) {
				n++
			}
		}
		if got.n != n {
			t.Fatalf("%s: n = %d, want %d", name, got.n, n)
		}
	}
	for range 200 {
		universe := 1 + rnd.IntN(700)
		a, ra := randomSet(rnd.IntN(300), universe)
		b, rb := randomSet(rnd.IntN(300), universe)
		check("and", and(a, b), func(d uint32) bool { return ra[d] && rb[d] }, universe)
		check("or", or(a, b), func(d uint32) bool { return ra[d] || rb[d] }, universe)
		check("andNot", andNot(a, b), func(d uint32) bool { return ra[d] && !rb[d] }, universe)
		if got, want := andCount(a, b), and(a, b).n; got != want {
			t.Fatalf("andCount = %d, want %d", got, want)
		}
		var seen []uint32
		a.each(func(d uint32) bool { seen = append(seen, d); return true })
		if !slices.IsSorted(seen) || len(seen) != a.n {
			t.Fatalf("each visited %d members out of order", len(seen))
		}
	}
}

func TestView_RandomOps(t *testing.T) {
	t.Parallel()
	ix := NewIndex()
	rnd := rand.New(rand.NewPCG(7, 8))
	v := ix.viewBuild(0, nil)
	type key struct{ Val, UID string }
	live := map[key]ventry{}
	queued := map[key]bool{} // inserted since the last flush
	vals := []string{"a", "b", "c", "d", "e"}
	for i := range 5000 {
		k := key{vals[rnd.IntN(len(vals))], fmt.Sprintf("u%03d", rnd.IntN(400))}
		if e, ok := live[k]; ok {
			if queued[k] { // as touch does: a queued entry is flushed first
				ix.flush()
				clear(queued)
			}
			ix.viewDelete(v, e)
			ix.strs.release(e.val)
			ix.strs.release(e.uid)
			delete(live, k)
		} else {
			e := ventry{doc: uint32(i), val: ix.strs.intern(k.Val), uid: ix.strs.intern(k.UID)}
			ix.viewInsert(v, e)
			live[k] = e
			queued[k] = true
		}
		if rnd.IntN(20) == 0 {
			ix.flush()
			clear(queued)
		}
		if i%250 != 0 {
			continue
		}
		ix.flush()
		clear(queued)
		want := make([]key, 0, len(live))
		for k := range live {
			want = append(want, k)
		}
		slices.SortFunc(want, func(a, b key) int { return strings.Compare(a.Val+"\x00"+a.UID, b.Val+"\x00"+b.UID) })
		for _, fwd := range []bool{true, false} {
			var got []key
			it := ix.iterate(v, fwd, nil)
			for e, ok := it.next(); ok; e, ok = it.next() {
				got = append(got, key{ix.strs.str(e.val), ix.strs.str(e.uid)})
			}
			if !fwd {
				slices.Reverse(got)
			}
			if d := diff(want, got); d != "" {
				t.Fatalf("step %d fwd=%v (-want +got):\n%s", i, fwd, d)
			}
			// nextIn keeps the entries whose doc is in a set, a bitmap
			// or a list.
			var ids []uint32
			for d := range uint32(5000) {
				if rnd.IntN(4) == 0 {
					ids = append(ids, d)
				}
			}
			for _, set := range []*docset{idSet(ids), bitSet(idSet(ids).toBits(0))} {
				var wantIn, gotIn []key
				for _, k := range want {
					if set.has(live[k].doc) {
						wantIn = append(wantIn, k)
					}
				}
				if !fwd {
					slices.Reverse(wantIn)
				}
				it := ix.iterate(v, fwd, nil)
				for e, ok := it.nextIn(set); ok; e, ok = it.nextIn(set) {
					gotIn = append(gotIn, key{ix.strs.str(e.val), ix.strs.str(e.uid)})
				}
				if d := diff(wantIn, gotIn); d != "" {
					t.Fatalf("step %d fwd=%v, entries in a set (-want +got):\n%s", i, fwd, d)
				}
			}
		}
		if len(want) > 2 {
			mid := len(want) / 2
			for _, fwd := range []bool{true, false} {
				var got []key
				it := ix.iterate(v, fwd, &[2]string{want[mid].Val, want[mid].UID})
				for e, ok := it.next(); ok; e, ok = it.next() {
					got = append(got, key{ix.strs.str(e.val), ix.strs.str(e.uid)})
				}
				rest := slices.Clone(want[mid+1:])
				if !fwd {
					rest = slices.Clone(want[:mid])
					slices.Reverse(rest)
				}
				if d := diff(rest, got); d != "" {
					t.Fatalf("step %d: walk from %v fwd=%v (-want +got):\n%s", i, want[mid], fwd, d)
				}
			}
		}
	}
}

func TestPostings_RandomOps(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(9, 10))
	has := map[[3]uint32]bool{} // (doc, key, val)
	p := postings{docHas: func(d, k, v uint32) bool { return has[[3]uint32{d, k, v}] }}
	const universe = 2000
	for i := range 40000 {
		d, k, v := uint32(rnd.IntN(universe)), uint32(rnd.IntN(3)), uint32(rnd.IntN(4))
		trip := [3]uint32{d, k, v}
		if has[trip] {
			p.remove(k, v, d, universe)
			delete(has, trip)
		} else {
			has[trip] = true
			p.add(k, v, d, universe)
		}
		if i%4000 != 0 {
			continue
		}
		for k := range uint32(3) {
			for v := range uint32(4) {
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
	}
}

func TestLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, term string
		want    bool
	}{
		{"checkout-web", "checkout", true},
		{"checkout-web", "web", true},
		{"checkout-web", "", true},
		{"checkout-web", "payments", false},
		{"checkout-web", "c%web", true},
		{"checkout-web", "out_w", true},
		{"checkout-web", "out__w", false},
		{"ångström", "ng_r", false},
		{"ångström", "_ngstr", true},
		{"abc", "a%%c", true},
		{"abc", "%", true},
		{"ab", "abc", false},
	}
	for _, tt := range tests {
		if got := likeContains(tt.s, tt.term); got != tt.want {
			t.Errorf("likeContains(%q, %q) = %v, want %v", tt.s, tt.term, got, tt.want)
		}
	}
}
