package query

import (
	"cmp"
	"slices"
	"sort"
	"sync/atomic"
)

// ventry is one entry of an ordered view: doc has the sort value val (a string
// id) and the uid uid (a string id). The view holds references on both
// strings, so an entry keeps its place in the order even after its doc is
// gone or changed, until the entry itself is dropped.
type ventry struct {
	doc, val, uid uint32
}

// view keeps the entries of one sort order: by uid (every doc), by entity ref
// (every doc) or by the lower-cased value of one search key (one entry per
// doc and non-null value, like Backstage's join on the search table), each
// with the uid as tie-breaker.
//
// A view is a large sorted base plus a small sorted tail of recent inserts.
// Deletes from the base only set a bit. When the tail grows past a sixteenth
// of the base, both are merged in one linear pass. Upserts therefore cost a
// binary search and a short memmove, never a re-sort, and ordered reads walk
// two sorted slices in step.
type view struct {
	key   uint32 // search key id, for key views
	base  []ventry
	dead  []uint64 // bit i set: base[i] was deleted
	ndead int
	tail  []ventry
	used  atomic.Int64 // last use, for evicting key views
}

// cmpEntry orders entries by (value, uid).
func (ix *Index) cmpEntry(a, b ventry) int {
	if a.val != b.val {
		if c := cmp.Compare(ix.strs.str(a.val), ix.strs.str(b.val)); c != 0 {
			return c
		}
	}
	if a.uid == b.uid {
		return 0
	}
	return cmp.Compare(ix.strs.str(a.uid), ix.strs.str(b.uid))
}

// cmpKey orders an entry against a cursor position (value, uid).
func (ix *Index) cmpKey(e ventry, val, uid string) int {
	if c := cmp.Compare(ix.strs.str(e.val), val); c != 0 {
		return c
	}
	return cmp.Compare(ix.strs.str(e.uid), uid)
}

func (v *view) isDead(i int) bool { return v.dead[i>>6]&(1<<(uint(i)&63)) != 0 }

// size returns the number of live entries.
func (v *view) size() int { return len(v.base) - v.ndead + len(v.tail) }

// insert adds e, taking references on its strings.
func (ix *Index) viewInsert(v *view, e ventry) {
	ix.strs.retain(e.val)
	ix.strs.retain(e.uid)
	i := sort.Search(len(v.tail), func(i int) bool { return ix.cmpEntry(v.tail[i], e) >= 0 })
	v.tail = slices.Insert(v.tail, i, e)
	if len(v.tail) > 256+len(v.base)/16 {
		ix.viewMerge(v)
	}
}

// viewDelete removes e, which must be in the view.
func (ix *Index) viewDelete(v *view, e ventry) {
	i := sort.Search(len(v.tail), func(i int) bool { return ix.cmpEntry(v.tail[i], e) >= 0 })
	if i < len(v.tail) && v.tail[i] == e {
		v.tail = slices.Delete(v.tail, i, i+1)
		ix.releaseEntry(e)
		return
	}
	i = sort.Search(len(v.base), func(i int) bool { return ix.cmpEntry(v.base[i], e) >= 0 })
	if i < len(v.base) && v.base[i] == e && !v.isDead(i) {
		v.dead[i>>6] |= 1 << (uint(i) & 63)
		v.ndead++
		if v.ndead > 256+len(v.base)/4 {
			ix.viewMerge(v)
		}
	}
}

func (ix *Index) releaseEntry(e ventry) {
	ix.strs.release(e.val)
	ix.strs.release(e.uid)
}

// viewMerge folds the tail into the base and drops deleted entries.
func (ix *Index) viewMerge(v *view) {
	out := make([]ventry, 0, v.size())
	i, j := 0, 0
	for i < len(v.base) || j < len(v.tail) {
		if i < len(v.base) && v.isDead(i) {
			ix.releaseEntry(v.base[i])
			i++
			continue
		}
		if j >= len(v.tail) || (i < len(v.base) && ix.cmpEntry(v.base[i], v.tail[j]) < 0) {
			out = append(out, v.base[i])
			i++
		} else {
			out = append(out, v.tail[j])
			j++
		}
	}
	v.base, v.tail = out, v.tail[:0]
	v.dead, v.ndead = make([]uint64, (len(out)+63)/64), 0
}

// viewBuild makes a view from unsorted entries, taking references on them.
func (ix *Index) viewBuild(key uint32, entries []ventry) *view {
	for _, e := range entries {
		ix.strs.retain(e.val)
		ix.strs.retain(e.uid)
	}
	slices.SortFunc(entries, ix.cmpEntry)
	return &view{key: key, base: entries, dead: make([]uint64, (len(entries)+63)/64)}
}

// viewDrop releases every entry of a view that is being discarded.
func (ix *Index) viewDrop(v *view) {
	for i, e := range v.base {
		if !v.isDead(i) {
			ix.releaseEntry(e)
		}
	}
	for _, e := range v.tail {
		ix.releaseEntry(e)
	}
}

// viewIter walks a view in one direction, merging base and tail.
type viewIter struct {
	ix     *Index
	v      *view
	fwd    bool
	bi, ti int // next base and tail positions to consider
}

// iterate returns an iterator over v. Without a start position it begins at
// the first (fwd) or last entry; with one it begins strictly after (fwd) or
// before it.
func (ix *Index) iterate(v *view, fwd bool, start *[2]string) *viewIter {
	it := &viewIter{ix: ix, v: v, fwd: fwd}
	after := func(s []ventry) int {
		if start == nil {
			return 0
		}
		return sort.Search(len(s), func(i int) bool { return ix.cmpKey(s[i], start[0], start[1]) > 0 })
	}
	before := func(s []ventry) int {
		if start == nil {
			return len(s) - 1
		}
		return sort.Search(len(s), func(i int) bool { return ix.cmpKey(s[i], start[0], start[1]) >= 0 }) - 1
	}
	if fwd {
		it.bi, it.ti = after(v.base), after(v.tail)
	} else {
		it.bi, it.ti = before(v.base), before(v.tail)
	}
	return it
}

// next returns the next live entry.
func (it *viewIter) next() (ventry, bool) {
	v := it.v
	step := 1
	if !it.fwd {
		step = -1
	}
	for it.bi >= 0 && it.bi < len(v.base) && v.isDead(it.bi) {
		it.bi += step
	}
	hasB := it.bi >= 0 && it.bi < len(v.base)
	hasT := it.ti >= 0 && it.ti < len(v.tail)
	switch {
	case !hasB && !hasT:
		return ventry{}, false
	case hasB && hasT:
		c := it.ix.cmpEntry(v.base[it.bi], v.tail[it.ti])
		if (c < 0) == it.fwd {
			hasT = false
		}
	}
	if hasT {
		e := v.tail[it.ti]
		it.ti += step
		return e, true
	}
	e := v.base[it.bi]
	it.bi += step
	return e, true
}
