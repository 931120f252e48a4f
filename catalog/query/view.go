package query

import (
	"cmp"
	"slices"
	"sort"
	"strings"
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
// Deletes from the base only set a bit. Inserts are queued, unsorted, in
// pend until the write ends (see flush); then they are sorted and merged
// into the tail in one pass from the back, which moves each tail entry at
// most once and finds block boundaries by galloping search. When the tail
// grows past a sixteenth of the base, both are merged the same way. A batch
// of b inserts therefore costs about b·log(tail/b) comparisons and one copy
// of the tail, never a re-sort, and ordered reads walk two sorted slices in
// step. Readers never see pend: it is empty whenever the lock is free.
type view struct {
	key   uint32 // search key id, for key views
	base  []ventry
	dead  []uint64 // bit i set: base[i] was deleted
	ndead int
	tail  []ventry
	pend  []ventry     // inserts of the current write, unsorted
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

// viewInsert queues e for insertion at the end of the write, taking
// references on its strings.
func (ix *Index) viewInsert(v *view, e ventry) {
	ix.strs.retain(e.val)
	ix.strs.retain(e.uid)
	if len(v.pend) == 0 {
		ix.batch.views = append(ix.batch.views, v)
	}
	v.pend = append(v.pend, e)
}

// viewFlush sorts the queued inserts and merges them into the tail, and the
// tail into the base when it has grown too long.
func (ix *Index) viewFlush(v *view) {
	run := v.pend
	if len(run) == 0 {
		return
	}
	if len(run) > 1 {
		ix.sortEntries(run)
	}
	v.tail = ix.mergeInto(v.tail, run)
	clear(run)
	v.pend = run[:0]
	if cap(v.pend) > 1024 {
		v.pend = nil
	}
	if len(v.tail) > 256+len(v.base)/16 {
		ix.viewMerge(v)
	}
}

// sortEntries sorts entries by (value, uid), looking their strings up once
// rather than at every comparison.
func (ix *Index) sortEntries(es []ventry) {
	type keyed struct {
		val, uid string
		e        ventry
	}
	ks := make([]keyed, len(es))
	for i, e := range es {
		ks[i] = keyed{ix.strs.str(e.val), ix.strs.str(e.uid), e}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := strings.Compare(a.val, b.val); c != 0 {
			return c
		}
		return strings.Compare(a.uid, b.uid)
	})
	for i := range ks {
		es[i] = ks[i].e
	}
}

// mergeInto merges the sorted run into the sorted s, in place from the
// back: each entry of s moves once, as part of a block whose start is found
// by galloping back from the end of the unmerged part.
func (ix *Index) mergeInto(s, run []ventry) []ventry {
	n, m := len(s), len(run)
	s = slices.Grow(s, m)[:n+m]
	hi := n // s[:hi] is not merged yet
	for j := m - 1; j >= 0; j-- {
		e := run[j]
		var p int
		if m == 1 { // a lone insert lands anywhere: plain binary search
			p = sort.Search(hi, func(i int) bool { return ix.cmpEntry(s[i], e) > 0 })
		} else {
			p = ix.gallopBack(s[:hi], e)
		}
		copy(s[p+j+1:hi+j+1], s[p:hi])
		s[p+j] = e
		hi = p
	}
	return s
}

// gallopBack returns the number of leading entries of the sorted s that do
// not order after e, probing from the end at distances 1, 2, 4, ... before a
// binary search.
func (ix *Index) gallopBack(s []ventry, e ventry) int {
	val, uid := ix.strs.str(e.val), ix.strs.str(e.uid)
	hi, step := len(s), 1
	lo := hi - 1
	for lo > 0 && ix.cmpKey(s[lo], val, uid) > 0 {
		hi = lo
		lo -= step
		step *= 2
	}
	lo = max(lo, 0)
	// s[hi:] orders after e, s[:lo] does not.
	return lo + sort.Search(hi-lo, func(i int) bool { return ix.cmpKey(s[lo+i], val, uid) > 0 })
}

// gallopFwd returns the first position at or after from whose entry does
// not order before e, probing at distances 1, 2, 4, ... before a binary
// search.
func (ix *Index) gallopFwd(s []ventry, from int, e ventry) int {
	val, uid := ix.strs.str(e.val), ix.strs.str(e.uid)
	lo, hi, step := from, from, 1
	for hi < len(s) && ix.cmpKey(s[hi], val, uid) < 0 {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(s))
	// s[from:lo] orders before e, s[hi] (if any) does not.
	return lo + sort.Search(hi-lo, func(i int) bool { return ix.cmpKey(s[lo+i], val, uid) >= 0 })
}

// viewDelete removes e, which must be in the view and not queued.
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

// viewMerge folds the tail into the base and drops deleted entries. Base
// entries are copied in blocks between the positions of consecutive tail
// entries, found by galloping search.
func (ix *Index) viewMerge(v *view) {
	out := make([]ventry, 0, v.size())
	bi := 0
	take := func(to int) { // base[bi:to], without the dead
		if v.ndead == 0 {
			out = append(out, v.base[bi:to]...)
			bi = to
			return
		}
		for ; bi < to; bi++ {
			if v.isDead(bi) {
				ix.releaseEntry(v.base[bi])
			} else {
				out = append(out, v.base[bi])
			}
		}
	}
	for _, e := range v.tail {
		take(ix.gallopFwd(v.base, bi, e))
		out = append(out, e)
	}
	take(len(v.base))
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

// viewDrop releases every entry of a view that is being discarded. Dead
// base entries hold their references until a merge drops them, so they are
// released too.
func (ix *Index) viewDrop(v *view) {
	for _, e := range v.base {
		ix.releaseEntry(e)
	}
	for _, e := range v.tail {
		ix.releaseEntry(e)
	}
	for _, e := range v.pend {
		ix.releaseEntry(e)
	}
}

// viewIter walks a view in one direction, merging base and tail. It finds
// where the next tail entry falls in the base by galloping, once per tail
// entry, so the base entries in between cost a bit test each and no string
// comparison: a page whose matches lie far along the view (with
// time-ordered uids, the components after every group and API) walks tens
// of thousands of entries in well under a millisecond.
type viewIter struct {
	ix     *Index
	v      *view
	fwd    bool
	bi, ti int // next base and tail positions to consider
	// stop is the base position at which tail[ti] comes next: base
	// entries before it (after it, walking backwards) come first. It is
	// valid while bound is set.
	stop  int
	bound bool
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
	if it.fwd {
		for it.bi < len(v.base) && v.isDead(it.bi) {
			it.bi++
		}
		if it.ti < len(v.tail) && !it.bound {
			it.stop, it.bound = it.ix.gallopFwd(v.base, it.bi, v.tail[it.ti]), true
		}
		if it.bi < len(v.base) && (it.ti >= len(v.tail) || it.bi < it.stop) {
			it.bi++
			return v.base[it.bi-1], true
		}
		if it.ti < len(v.tail) {
			it.ti, it.bound = it.ti+1, false
			return v.tail[it.ti-1], true
		}
		return ventry{}, false
	}
	for it.bi >= 0 && v.isDead(it.bi) {
		it.bi--
	}
	if it.ti >= 0 && !it.bound {
		it.stop, it.bound = it.ix.gallopBack(v.base[:it.bi+1], v.tail[it.ti]), true
	}
	if it.bi >= 0 && (it.ti < 0 || it.bi >= it.stop) {
		it.bi--
		return v.base[it.bi+1], true
	}
	if it.ti >= 0 {
		it.ti, it.bound = it.ti-1, false
		return v.tail[it.ti+1], true
	}
	return ventry{}, false
}

// nextIn returns the next live entry whose doc is in set. Walking forwards
// through a bitmap set, the base entries of other docs are skipped in one
// tight loop; next still merges the tail entries in, in order, as the base
// entries skipped are never returned.
func (it *viewIter) nextIn(set *docset) (ventry, bool) {
	for {
		if it.fwd && set.bits != nil {
			it.skipBase(set.bits)
		}
		e, ok := it.next()
		if !ok || set.has(e.doc) {
			return e, ok
		}
	}
}

// skipBase moves forwards past the base entries whose doc is not in bits.
func (it *viewIter) skipBase(bits []uint64) {
	base, i := it.v.base, it.bi
	for ; i < len(base); i++ {
		if d := base[i].doc; int(d>>6) < len(bits) && bits[d>>6]&(1<<(d&63)) != 0 {
			break
		}
	}
	it.bi = i
}
