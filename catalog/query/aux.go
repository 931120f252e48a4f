package query

import "sync/atomic"

// This file maintains the structures built on demand: the ordered views (by
// uid, by ref, by a search key) and the facet counters.

// facet counts, for one search key, the docs per original value. With it an
// unfiltered facet request is a sort of a few buckets, and a filtered one an
// intersection per bucket.
type facet struct {
	key      uint32
	buckets  map[uint32]*bucket // by original value id
	variants map[uint32]int32   // by lower-cased value id: how many originals share it
	used     atomic.Int64       // last use, for eviction
}

// bucket is one original value of a facet.
type bucket struct {
	val uint32 // lower-cased value id: the posting that holds these docs
	n   int32  // docs with this original value
}

// indexAux updates views and facets for a doc that is added (old == nil),
// removed (cur == nil) or changed.
func (ix *Index) indexAux(id uint32, old, cur *docRec) {
	switch {
	case old == nil:
		ix.viewInsert(ix.uidView, ventry{id, cur.uid, cur.uid})
	case cur == nil:
		ix.viewDelete(ix.uidView, ventry{id, old.uid, old.uid})
	}
	if v := ix.refView; v != nil && (old == nil || cur == nil || old.ref != cur.ref) {
		if old != nil {
			ix.viewDelete(v, ventry{id, old.ref, old.uid})
		}
		if cur != nil {
			ix.viewInsert(v, ventry{id, cur.ref, cur.uid})
		}
	}
	for _, v := range ix.views {
		ix.updateKeyView(v, id, old, cur)
	}
	for _, f := range ix.dirs {
		if old != nil {
			ix.facetCount(f, keyRows(old.rows, f.key), -1)
		}
		if cur != nil {
			ix.facetCount(f, keyRows(cur.rows, f.key), 1)
		}
	}
}

func (ix *Index) updateKeyView(v *view, id uint32, old, cur *docRec) {
	var oldRows, curRows []row
	if old != nil {
		oldRows = keyRows(old.rows, v.key)
	}
	if cur != nil {
		curRows = keyRows(cur.rows, v.key)
	}
	if old != nil && cur != nil && sameVals(oldRows, curRows) {
		return
	}
	for _, r := range oldRows {
		if r.val != nullVal {
			ix.viewDelete(v, ventry{id, r.val, old.uid})
		}
	}
	for _, r := range curRows {
		if r.val != nullVal {
			ix.viewInsert(v, ventry{id, r.val, cur.uid})
		}
	}
}

func sameVals(a, b []row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].val != b[i].val {
			return false
		}
	}
	return true
}

func (ix *Index) facetCount(f *facet, rows []row, delta int32) {
	for _, r := range rows {
		if r.orig == nullVal {
			continue
		}
		b := f.buckets[r.orig]
		if b == nil {
			b = &bucket{val: r.val}
			f.buckets[r.orig] = b
			f.variants[r.val]++
		}
		b.n += delta
		if b.n == 0 {
			delete(f.buckets, r.orig)
			if f.variants[r.val]--; f.variants[r.val] == 0 {
				delete(f.variants, r.val)
			}
		}
	}
}

// tick returns the next use stamp.
func (ix *Index) tick() int64 { return ix.clock.Add(1) }

// keyView returns the view of search key k, if built. Callers hold a lock.
func (ix *Index) keyView(k uint32) *view {
	v := ix.views[k]
	if v != nil {
		v.used.Store(ix.tick())
	}
	return v
}

// buildKeyView builds the view of search key k. The caller holds the write
// lock.
func (ix *Index) buildKeyView(k uint32) {
	if ix.views[k] != nil {
		return
	}
	var entries []ventry
	ix.post.get(k, anyVal).each(func(d uint32) bool {
		for _, r := range keyRows(ix.docs[d].rows, k) {
			if r.val != nullVal {
				entries = append(entries, ventry{d, r.val, ix.docs[d].uid})
			}
		}
		return true
	})
	v := ix.viewBuild(k, entries)
	v.used.Store(ix.tick())
	ix.strs.retain(k)
	ix.views[k] = v
	if len(ix.views) > maxKeyViews {
		var oldest *view
		for _, x := range ix.views {
			if oldest == nil || x.used.Load() < oldest.used.Load() {
				oldest = x
			}
		}
		ix.viewDrop(oldest)
		delete(ix.views, oldest.key)
		ix.strs.release(oldest.key)
	}
}

// buildRefView builds the view by entity ref. The caller holds the write
// lock.
func (ix *Index) buildRefView() {
	if ix.refView != nil {
		return
	}
	entries := make([]ventry, 0, ix.live.n)
	ix.live.each(func(d uint32) bool {
		entries = append(entries, ventry{d, ix.docs[d].ref, ix.docs[d].uid})
		return true
	})
	ix.refView = ix.viewBuild(0, entries)
}

// buildFacet builds the counters of search key k. The caller holds the
// write lock.
func (ix *Index) buildFacet(k uint32) {
	if ix.dirs[k] != nil {
		return
	}
	f := &facet{key: k, buckets: map[uint32]*bucket{}, variants: map[uint32]int32{}}
	f.used.Store(ix.tick())
	ix.post.get(k, anyVal).each(func(d uint32) bool {
		ix.facetCount(f, keyRows(ix.docs[d].rows, k), 1)
		return true
	})
	ix.strs.retain(k)
	ix.dirs[k] = f
	if len(ix.dirs) > maxFacets {
		var oldest *facet
		for _, x := range ix.dirs {
			if oldest == nil || x.used.Load() < oldest.used.Load() {
				oldest = x
			}
		}
		delete(ix.dirs, oldest.key)
		ix.strs.release(oldest.key)
	}
}
