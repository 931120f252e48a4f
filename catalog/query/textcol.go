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
// the first time a key is searched and dropped whenever a value of the key
// appears or disappears; the next search rebuilds them, but not more than
// once per textRebuildInterval, so that searches during a bulk ingestion
// scan rows under the read lock instead of rebuilding under the write lock
// again and again.
type textCol struct {
	buf  []byte
	ends []uint32 // ends[i] is where value i ends in buf
	vals []uint32 // value ids
	used atomic.Int64
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

// buildTextCol builds the column of key k. The caller holds the write lock.
func (ix *Index) buildTextCol(k uint32) {
	if ix.texts[k] != nil {
		return
	}
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
		c.buf = append(c.buf, ix.strs.str(v)...)
		c.ends[i] = uint32(len(c.buf))
	}
	c.used.Store(ix.tick())
	ix.texts[k] = c
	ix.textBuilt[k] = time.Now()
	if len(ix.texts) > maxTextCols {
		var oldest uint32
		var stamp int64 = -1
		for key, x := range ix.texts {
			if stamp < 0 || x.used.Load() < stamp {
				oldest, stamp = key, x.used.Load()
			}
		}
		delete(ix.texts, oldest)
		delete(ix.textBuilt, oldest)
	}
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

// dropTextCol forgets the column of key k after a value of it appeared or
// disappeared.
func (ix *Index) dropTextCol(k uint32) {
	if len(ix.texts) > 0 {
		delete(ix.texts, k)
	}
}
