package query

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/stackyard/stackyard/catalog/model"
)

// Doc is one final entity as the index stores it.
type Doc struct {
	UID  string // metadata.uid
	Ref  string // canonical lower-cased "kind:namespace/name"
	JSON []byte // the entity as served; the index keeps it and never modifies it
	Rows []Row  // search rows, from SearchRows
}

// NewDoc builds the Doc of a final entity whose serialised form is js.
func NewDoc(e model.Entity, js []byte) (Doc, error) {
	rows, err := SearchRows(e)
	if err != nil {
		return Doc{}, err
	}
	uid, _ := e.Metadata()["uid"].(string)
	return Doc{UID: uid, Ref: e.Ref().String(), JSON: js, Rows: rows}, nil
}

// row is a search row with interned strings. val and orig are nullVal for
// rows without a value.
type row struct {
	key, val, orig uint32
}

// docRec is a stored document. json is nil when the index reads bodies
// from a Bodies source (see NewIndexWith).
type docRec struct {
	json []byte
	rows []row // sorted by (key, val), unique
	uid  uint32
	ref  uint32
}

// Index is the in-memory read model of the catalog: every final entity, its
// search rows, and the structures that answer Backstage's queries. It is safe
// for concurrent use; reads share a lock and writes take it exclusively for a
// few microseconds. See the package documentation for the design.
type Index struct {
	mu        sync.RWMutex
	strs      *strtab
	docs      []docRec
	freeDocs  []uint32
	live      *docset // dense: every stored doc
	byUID     hashIndex
	byRef     hashIndex
	post      postings
	uidView   *view
	refView   *view             // built on first use
	views     map[uint32]*view  // by search key id, built on first use
	dirs      map[uint32]*facet // by search key id, built on first use
	texts     map[uint32]*textCol
	textBuilt map[uint32]time.Time // when each text column was last built
	clock     atomic.Int64         // use counter for evicting views, facets and text columns
	batch     batch                // work deferred to the end of the write (see flush)
	src       Bodies               // where bodies are read; nil: docs hold them
	cache     *lru.Cache[string, []byte]
}

// Limits on the lazily built structures; the least recently used one is
// dropped when a new one would exceed them.
const (
	maxKeyViews = 16
	maxFacets   = 32
)

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{
		strs:      newStrtab(),
		live:      &docset{bits: []uint64{}},
		uidView:   &view{},
		views:     map[uint32]*view{},
		dirs:      map[uint32]*facet{},
		texts:     map[uint32]*textCol{},
		textBuilt: map[uint32]time.Time{},
	}
	ix.post.docHas = func(d, key, val uint32) bool { return docHasRow(ix.docs[d].rows, key, val) }
	return ix
}

// Len returns the number of stored entities.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live.n
}

// ByUID returns the stored JSON of the entity with the given uid, or nil
// when there is none.
func (ix *Index) ByUID(ctx context.Context, uid string) ([]byte, error) {
	return ix.one(ctx, func() (uint32, bool) { return ix.findUID(uid) })
}

// ByRef returns the stored JSON of the entity with the given ref, or nil
// when there is none. The ref is compared case-insensitively with the
// canonical "kind:namespace/name".
func (ix *Index) ByRef(ctx context.Context, ref string) ([]byte, error) {
	ref = jsLower(ref)
	return ix.one(ctx, func() (uint32, bool) { return ix.findRef(ref) })
}

// Has reports whether an entity with the given ref is stored, compared as
// ByRef compares.
func (ix *Index) Has(ref string) bool {
	ref = jsLower(ref)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.findRef(ref)
	return ok
}

// one returns the body of the doc that find picks under the read lock, or
// nil when it picks none; a body the index does not hold is read.
func (ix *Index) one(ctx context.Context, find func() (uint32, bool)) ([]byte, error) {
	ix.mu.RLock()
	d, ok := find()
	var h hit
	if ok {
		h = ix.hitOf(d)
	}
	ix.mu.RUnlock()
	if !ok {
		return nil, nil
	}
	hits, err := ix.fill(ctx, []hit{h}, true)
	if err != nil || len(hits) == 0 {
		return nil, err
	}
	return hits[0].json, nil
}

func (ix *Index) findUID(uid string) (uint32, bool) {
	return ix.byUID.find(ix.strs.hash(uid), func(d uint32) bool { return ix.strs.str(ix.docs[d].uid) == uid })
}

func (ix *Index) findRef(ref string) (uint32, bool) {
	return ix.byRef.find(ix.strs.hash(ref), func(d uint32) bool { return ix.strs.str(ix.docs[d].ref) == ref })
}

// Upsert stores d, replacing the entity with the same uid. An entity that
// holds d's ref under another uid is removed first, so a ref that moved to a
// new uid never appears twice. Only what changed is re-indexed.
func (ix *Index) Upsert(d Doc) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.upsert(d)
	ix.flush()
}

// UpsertBatch stores docs as if Upsert were called for each in order. It
// costs much less per entity than Upsert: postings and ordered views take
// the additions of many docs in one merge per shared pair and per view
// instead of one insert per doc. It applies up to batchChunk docs per
// acquisition of the write lock, so readers may see a batch half applied
// (as with a loop of Upserts) but never wait for more than one chunk.
func (ix *Index) UpsertBatch(docs []Doc) {
	for len(docs) > 0 {
		chunk := docs[:min(len(docs), batchChunk)]
		docs = docs[len(chunk):]
		ix.upsertChunk(chunk)
	}
}

// upsertChunk is one write of UpsertBatch.
func (ix *Index) upsertChunk(docs []Doc) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, d := range docs {
		ix.upsert(d)
	}
	ix.flush()
}

// upsert is Upsert under the held write lock, without the flush.
func (ix *Index) upsert(d Doc) {
	rows := ix.internRows(d.Rows)
	uid := ix.strs.intern(d.UID)
	ref := ix.strs.intern(jsLower(d.Ref))
	id, exists := ix.findUID(d.UID)
	if other, ok := ix.findRef(ix.strs.str(ref)); ok && (!exists || other != id) {
		ix.removeDoc(other)
	}
	if !exists {
		rec := docRec{rows: rows, uid: uid, ref: ref}
		ix.keepBody(&rec, d.UID, d.JSON)
		ix.addDoc(rec)
		return
	}
	ix.strs.release(uid)
	ix.updateDoc(id, d.UID, d.JSON, rows, ref)
}

// Remove deletes the entity with the given uid, if stored.
func (ix *Index) Remove(uid string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if id, ok := ix.findUID(uid); ok {
		ix.removeDoc(id)
	}
	ix.flush()
}

// internRows converts rows to interned, sorted, de-duplicated form, taking a
// reference on every string it keeps.
func (ix *Index) internRows(in []Row) []row {
	out := make([]row, 0, len(in))
	for i := range in {
		r := &in[i]
		k := ix.strs.intern(r.Key)
		v, o := nullVal, nullVal
		if r.HasValue {
			v = ix.strs.intern(r.Value)
			if r.Original == r.Value {
				o = v
				ix.strs.retain(v)
			} else {
				o = ix.strs.intern(r.Original)
			}
		}
		out = append(out, row{k, v, o})
	}
	sortRows(out)
	uniq := out[:0]
	for i, r := range out {
		if i > 0 && r.key == out[i-1].key && r.val == out[i-1].val {
			ix.releaseRow(r)
			continue
		}
		uniq = append(uniq, r)
	}
	return slices.Clip(uniq)
}

// sortRows sorts rows by (key, val), keeping equal rows in order. An
// entity has a few dozen rows, for which an insertion sort is several times
// faster than the library's stable sort.
func sortRows(rows []row) {
	if len(rows) > 64 {
		slices.SortStableFunc(rows, func(a, b row) int {
			return cmp.Compare(pairKey(a.key, a.val), pairKey(b.key, b.val))
		})
		return
	}
	for i := 1; i < len(rows); i++ {
		r := rows[i]
		p := pairKey(r.key, r.val)
		j := i
		for ; j > 0 && pairKey(rows[j-1].key, rows[j-1].val) > p; j-- {
			rows[j] = rows[j-1]
		}
		rows[j] = r
	}
}

func (ix *Index) releaseRow(r row) {
	ix.strs.release(r.key)
	if r.val != nullVal {
		ix.strs.release(r.val)
		ix.strs.release(r.orig)
	}
}

// pairs lists the posting keys of rows: one per row, plus one existence
// posting per distinct key. The result is sorted.
func pairs(rows []row) []uint64 {
	return appendPairs(make([]uint64, 0, len(rows)+len(rows)/2), rows)
}

// appendPairs appends the posting keys of rows to dst, in ascending order:
// rows are sorted by (key, val) and every val is below anyVal, so each
// key's existence posting follows the key's rows.
func appendPairs(dst []uint64, rows []row) []uint64 {
	for i, r := range rows {
		dst = append(dst, pairKey(r.key, r.val))
		if i+1 == len(rows) || rows[i+1].key != r.key {
			dst = append(dst, pairKey(r.key, anyVal))
		}
	}
	return dst
}

// addDoc stores a new doc. Its postings and view entries are queued for
// flush.
func (ix *Index) addDoc(rec docRec) {
	id := uint32(len(ix.docs))
	if n := len(ix.freeDocs); n > 0 {
		id, ix.freeDocs = ix.freeDocs[n-1], ix.freeDocs[:n-1]
	}
	ix.touch(id)
	if int(id) < len(ix.docs) {
		ix.docs[id] = rec
	} else {
		ix.docs = append(ix.docs, rec)
	}
	ix.live.bits = growBits(ix.live.bits, id)
	ix.live.bits[id>>6] |= 1 << (id & 63)
	ix.live.n++
	ix.byUID.insert(ix.strs.hash(ix.strs.str(rec.uid)), id)
	ix.byRef.insert(ix.strs.hash(ix.strs.str(rec.ref)), id)
	ix.queueRows(rec.rows, id)
	ix.indexAux(id, nil, &rec)
}

// removeDoc deletes a stored doc. Removals are applied at once, while the
// doc's rows still confirm its single-doc postings.
func (ix *Index) removeDoc(id uint32) {
	ix.touch(id)
	rec := ix.docs[id]
	ix.indexAux(id, &rec, nil)
	ix.batch.pairs = appendPairs(ix.batch.pairs[:0], rec.rows)
	for _, p := range ix.batch.pairs {
		ix.postRemove(p, id)
	}
	ix.byUID.remove(ix.strs.hash(ix.strs.str(rec.uid)), id)
	ix.byRef.remove(ix.strs.hash(ix.strs.str(rec.ref)), id)
	ix.live.bits[id>>6] &^= 1 << (id & 63)
	ix.live.n--
	for _, r := range rec.rows {
		ix.releaseRow(r)
	}
	ix.dropBody(ix.strs.str(rec.uid))
	ix.strs.release(rec.uid)
	ix.strs.release(rec.ref)
	ix.docs[id] = docRec{}
	ix.freeDocs = append(ix.freeDocs, id)
}

// updateDoc replaces the content of a stored doc, touching only the
// postings, views and facets whose input changed. Postings confirm pairs
// against the doc's rows, so removals run against the old rows and
// additions against the new ones.
func (ix *Index) updateDoc(id uint32, uid string, js []byte, rows []row, ref uint32) {
	ix.touch(id)
	rec := &ix.docs[id]
	oldRows, oldRef := rec.rows, rec.ref
	ix.indexAux(id, rec, &docRec{rows: rows, uid: rec.uid, ref: ref})
	gone, added := diffPairs(pairs(oldRows), pairs(rows))
	for _, p := range gone {
		ix.postRemove(p, id)
	}
	rec.rows, rec.ref = rows, ref
	ix.keepBody(rec, uid, js)
	ix.queuePairs(added, id)
	if ref != oldRef {
		ix.byRef.remove(ix.strs.hash(ix.strs.str(oldRef)), id)
		ix.byRef.insert(ix.strs.hash(ix.strs.str(ref)), id)
	}
	for _, r := range oldRows {
		ix.releaseRow(r)
	}
	ix.strs.release(oldRef)
}

// postRemove removes doc id from the posting of pair p. A value the key no
// longer has leaves garbage in the key's text column.
func (ix *Index) postRemove(p uint64, id uint32) {
	k, v := uint32(p>>32), uint32(p)
	if ix.post.remove(k, v, id, len(ix.docs)) && v < nullVal {
		ix.textValueGone(k)
	}
}

// diffPairs returns the pairs only in a and those only in b, both sorted.
func diffPairs(a, b []uint64) (onlyA, onlyB []uint64) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

// keyRows returns the rows of key k, using the (key, val) order of rows.
func keyRows(rows []row, k uint32) []row {
	i, _ := slices.BinarySearchFunc(rows, k, func(r row, k uint32) int { return cmp.Compare(r.key, k) })
	j := i
	for j < len(rows) && rows[j].key == k {
		j++
	}
	return rows[i:j]
}
