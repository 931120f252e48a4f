package query

import (
	"bytes"
	"slices"
	"sync/atomic"
	"time"
)

// textCol holds the distinct values of one search key side by side in one
// buffer, so that a full-text filter (LIKE '%term%') scans contiguous memory
// with bytes.Index instead of visiting every entity's rows. Columns are built
// the first time a key is searched and then kept current by the write path:
// a value new to the key is appended, and a value the key loses stays as
// garbage (its posting is empty, so it matches no doc) until garbage is half
// the column, when the column is rebuilt. The column holds a reference on
// each of its value ids, so an id in it never names another string. A
// column evicted to respect maxTextCols is rebuilt by the next search, but
// not more than once per textRebuildInterval; searches in between scan rows
// under the read lock.
type textCol struct {
	buf     []byte
	ends    []uint32 // ends[i] is where value i ends in buf
	vals    []uint32 // value ids, each holding a reference
	garbage int      // values whose posting emptied since the build
	queued  bool     // listed for compaction by the current write
	used    atomic.Int64
}

// Limits of text columns.
const (
	maxTextCols         = 8
	textRebuildInterval = time.Second
)

// wantTextCol reports whether a search should have the column of key k
// built rather than scan rows.
func (ix *Index) wantTextCol(k uint32) bool {
	return time.Since(ix.textBuilt[k]) > textRebuildInterval
}

// buildTextCol builds the column of key k. The caller holds the write lock,
// with no write work queued.
func (ix *Index) buildTextCol(k uint32) {
	if ix.texts[k] != nil {
		return
	}
	ix.texts[k] = ix.makeTextCol(k)
	ix.textBuilt[k] = time.Now()
	if len(ix.texts) > maxTextCols {
		var oldest uint32
		var stamp int64 = -1
		for key, x := range ix.texts {
			if stamp < 0 || x.used.Load() < stamp {
				oldest, stamp = key, x.used.Load()
			}
		}
		ix.dropTextCol(oldest)
		delete(ix.textBuilt, oldest)
	}
}

// makeTextCol returns a column of the current values of key k.
func (ix *Index) makeTextCol(k uint32) *textCol {
	var vals []uint32
	ix.post.get(k, anyVal).each(func(d uint32) bool {
		for _, r := range keyRows(ix.docs[d].rows, k) {
			if r.val != nullVal {
				vals = append(vals, r.val)
			}
		}
		return true
	})
	slices.Sort(vals)
	vals = slices.Compact(vals)
	c := &textCol{vals: vals, ends: make([]uint32, len(vals))}
	for i, v := range vals {
		ix.strs.retain(v)
		c.buf = append(c.buf, ix.strs.str(v)...)
		c.ends[i] = uint32(len(c.buf))
	}
	c.used.Store(ix.tick())
	return c
}

// match calls fn with the id of every value containing term, which is
// lower-case and, for a plain substring search, free of LIKE wildcards.
func (c *textCol) match(term string, plain bool, fn func(val uint32)) {
	if !plain {
		start := uint32(0)
		for i, end := range c.ends {
			if likeContains(string(c.buf[start:end]), term) {
				fn(c.vals[i])
			}
			start = end
		}
		return
	}
	t := []byte(term)
	for pos := 0; pos < len(c.buf); {
		j := bytes.Index(c.buf[pos:], t)
		if j < 0 {
			return
		}
		at := uint32(pos + j)
		// The value holding the match starts after the previous end.
		i, _ := slices.BinarySearch(c.ends, at+1)
		if at+uint32(len(t)) <= c.ends[i] {
			fn(c.vals[i])
		}
		// One hit per value is enough; a match that straddles into the
		// next value means no later one fits in this value either.
		pos = int(c.ends[i])
	}
}

// dropTextCol forgets the column of key k, releasing its values.
func (ix *Index) dropTextCol(k uint32) {
	c := ix.texts[k]
	if c == nil {
		return
	}
	for _, v := range c.vals {
		ix.strs.release(v)
	}
	delete(ix.texts, k)
}

// textValueAdded appends value v, new to key k, to the key's column.
func (ix *Index) textValueAdded(k, v uint32) {
	c := ix.texts[k]
	if c == nil {
		return
	}
	ix.strs.retain(v)
	c.buf = append(c.buf, ix.strs.str(v)...)
	c.ends = append(c.ends, uint32(len(c.buf)))
	c.vals = append(c.vals, v)
}

// textValueGone notes that key k lost a value, which stays in its column as
// garbage; flush compacts the column when garbage is half of it.
func (ix *Index) textValueGone(k uint32) {
	c := ix.texts[k]
	if c == nil {
		return
	}
	if c.garbage++; c.garbage >= 64+len(c.vals)/2 && !c.queued {
		c.queued = true
		ix.batch.texts = append(ix.batch.texts, k)
	}
}

// textCompact rebuilds the column of key k if it is mostly garbage. The
// caller holds the write lock, with no write work queued.
func (ix *Index) textCompact(k uint32) {
	c := ix.texts[k]
	if c == nil || c.garbage < 64+len(c.vals)/2 {
		if c != nil {
			c.queued = false
		}
		return
	}
	n := ix.makeTextCol(k)
	n.used.Store(c.used.Load())
	ix.dropTextCol(k)
	ix.texts[k] = n
}
