package query

import (
	"context"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Bodies reads the served JSON of final entities by uid from where they
// are stored. Uids it does not return are entities deleted since the index
// saw them.
type Bodies interface {
	Bodies(ctx context.Context, uids []string) (map[string][]byte, error)
}

// NewIndexWith returns an empty index that keeps in memory the JSON of the
// cached most recently used entities and reads the rest from src. Its
// memory then grows with the search rows, not with the entities' JSON
// (113 MB at 100,000 generated entities). Identity lookups read rows only
// (RowValues). NewIndex keeps every body.
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

// RowValues returns the values, as written, of the search rows of the
// entity ref under the given lower-cased keys, such as "relations.memberof".
// It answers from the rows alone and never reads src.
func (ix *Index) RowValues(ref string, keys ...string) []string {
	ref = jsLower(ref)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	d, ok := ix.findRef(ref)
	if !ok {
		return nil
	}
	var out []string
	for _, key := range keys {
		k, found := ix.strs.lookup(key)
		if !found {
			continue
		}
		for _, r := range ix.docs[d].rows {
			if r.key == k && r.val != nullVal {
				out = append(out, ix.strs.str(r.orig))
			}
		}
	}
	return out
}

// hitOf is doc d as a hit with its body, when held. The caller holds the
// read lock.
func (ix *Index) hitOf(d uint32) hit {
	return hit{json: ix.body(d), uid: ix.strs.str(ix.docs[d].uid)}
}

// keepBody stores the body of an upserted entity. The caller holds the
// write lock.
func (ix *Index) keepBody(rec *docRec, uid string, js []byte) {
	if ix.src == nil {
		rec.json = js
		return
	}
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
