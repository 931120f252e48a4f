package query

import (
	"context"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Bodies reads the served JSON of final entities by uid from where they
// are stored. Uids it does not return are entities deleted since the index
// saw them.
type Bodies interface {
	Bodies(ctx context.Context, uids []string) (map[string][]byte, error)
}

// NewIndexWith returns an empty index that keeps in memory the JSON of
// every User and Group (identity lookups read them on every request) and
// of the cached most recently used other entities, and reads the rest from
// src. Its memory then grows with the search rows, not with the entities'
// JSON (113 MB at 100,000 generated entities). NewIndex keeps every body.
func NewIndexWith(src Bodies, cached int) *Index {
	ix := NewIndex()
	ix.src = src
	ix.cache, _ = lru.New[string, []byte](max(cached, 1))
	return ix
}

// body returns the JSON of doc d when the index holds it, or nil. The
// caller holds the read lock.
func (ix *Index) body(d uint32) []byte {
	rec := &ix.docs[d]
	if ix.src == nil || rec.json != nil {
		return rec.json
	}
	js, _ := ix.cache.Get(ix.strs.str(rec.uid))
	return js
}

// Held returns the JSON of the entity ref when the index holds it in
// memory, which it always does for Users and Groups; it never reads src.
func (ix *Index) Held(ref string) ([]byte, bool) {
	ref = jsLower(ref)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if d, ok := ix.findRef(ref); ok {
		js := ix.body(d)
		return js, js != nil
	}
	return nil, false
}

// pinned reports whether the index keeps the body of the entity with the
// canonical, lower-cased ref in memory however long ago it was read.
func pinned(ref string) bool {
	return strings.HasPrefix(ref, "user:") || strings.HasPrefix(ref, "group:")
}

// hitOf is doc d as a hit with its body, when held. The caller holds the
// read lock.
func (ix *Index) hitOf(d uint32) hit {
	return hit{json: ix.body(d), uid: ix.strs.str(ix.docs[d].uid)}
}

// keepBody stores the body of an upserted entity. The caller holds the
// write lock.
func (ix *Index) keepBody(rec *docRec, uid string, js []byte) {
	if ix.src == nil || pinned(ix.strs.str(rec.ref)) {
		rec.json = js
		ix.dropBody(uid) // it may have been cached under another kind
		return
	}
	rec.json = nil
	ix.cache.Add(uid, js)
}

// dropBody forgets the body of a removed entity. The caller holds the
// write lock.
func (ix *Index) dropBody(uid string) {
	if ix.src != nil {
		ix.cache.Remove(uid)
	}
}

// fill reads the bodies of hits the index did not hold, without holding
// its lock, and returns the hits that still exist. Bodies read for small
// pages are kept for the next reader; a stream's are not, so one unpaged
// list does not push out what the pages use.
func (ix *Index) fill(ctx context.Context, hits []hit, remember bool) ([]hit, error) {
	var missing []string
	for _, h := range hits {
		if h.json == nil {
			missing = append(missing, h.uid)
		}
	}
	if len(missing) == 0 || ix.src == nil {
		return hits, nil
	}
	read, err := ix.src.Bodies(ctx, missing)
	if err != nil {
		return nil, err
	}
	kept := hits[:0]
	for _, h := range hits {
		if h.json == nil {
			if h.json = read[h.uid]; h.json == nil {
				continue // deleted since the index was read
			}
			if remember {
				// Only when absent: an upsert since the read holds a newer body.
				ix.cache.ContainsOrAdd(h.uid, h.json)
			}
		}
		kept = append(kept, h)
	}
	return kept, nil
}
