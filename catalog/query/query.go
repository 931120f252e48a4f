package query

import (
	"context"
	"math/bits"
	"slices"

	"github.com/stackyard/stackyard/internal/errs"
)

// DefaultQueryLimit is the page size of by-query requests that give none, as
// in Backstage's catalog backend 4.x.
const DefaultQueryLimit = 200

// QueryRequest is a GET or POST /entities/by-query request. With Cursor set,
// only Limit and Fields apply; everything else comes from the cursor.
type QueryRequest struct {
	Filter     Predicate
	OrderField *Order // only the first orderField counts; the caller drops the rest
	FullText   *FullText
	Offset     *int // honoured on the first page only
	Limit      *int // nil means DefaultQueryLimit
	Cursor     string
	Fields     []string
	// SkipTotalItems is totalItems=exclude: TotalItems is then 0 on every
	// page of the session.
	SkipTotalItems bool
}

// QueryResult is one page of a by-query session. Items are JSON entities,
// projected when the request named fields; they share memory with the index
// and must not be modified.
type QueryResult struct {
	Items      [][]byte
	TotalItems int
	NextCursor string // empty when there are no more items
	PrevCursor string // empty on the first page
}

// hit is one entity of a page, with its sort position. null marks an
// entity that sorts as null on the order field.
type hit struct {
	json     []byte
	val, uid string
	null     bool
}

// Query answers a by-query request with the semantics of queryEntities in
// Backstage's catalog backend 3.2.0 (the 1.45 release): filter, full-text
// filter and an optional order field, sorted by (lower-cased value, uid) or
// by uid, keyset-paginated with Backstage-shaped cursors that carry the first
// page's totalItems. limit=0 counts without returning items. Invalid input
// gives an InputError.
//
// An order field joins each entity to its search rows of that key (the key
// as given, not lower-cased): an entity appears once per distinct value, and
// once as null when it lacks the key or has a null row for it. Nulls sort
// last in both directions, and totalItems counts every appearance. As in
// SQL, a cursor positioned on a value never reaches the nulls again, and
// one positioned on a null matches nothing, so nulls only show on a first
// page.
func (ix *Index) Query(ctx context.Context, req QueryRequest) (QueryResult, error) {
	proj, err := CompileFields(req.Fields)
	if err != nil {
		return QueryResult{}, err
	}
	limit := DefaultQueryLimit
	if req.Limit != nil {
		if *req.Limit < 0 {
			return QueryResult{}, errs.Input("Invalid limit, must be zero or greater")
		}
		limit = *req.Limit
	}
	c, offset, err := req.session()
	if err != nil {
		return QueryResult{}, err
	}
	wantTotal := c.totalItems == nil && req.Cursor == "" && !req.SkipTotalItems
	hits, total := ix.searchPage(c, limit, offset, wantTotal)
	if c.totalItems != nil {
		total = *c.totalItems
	}
	res := QueryResult{TotalItems: total}
	next, prev := c.follow(hits, limit, total)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	if next != nil {
		res.NextCursor = next.encode()
	}
	if prev != nil {
		res.PrevCursor = prev.encode()
	}
	if hits, err = ix.fill(ctx, hits, true); err != nil {
		return QueryResult{}, err
	}
	res.Items = make([][]byte, len(hits))
	for i, h := range hits {
		if res.Items[i], err = proj.Apply(h.json); err != nil {
			return QueryResult{}, err
		}
	}
	return res, nil
}

// session returns the cursor state of the request: decoded from its cursor,
// or started from its parameters.
func (r QueryRequest) session() (*cursor, int, error) {
	if r.Cursor != "" {
		c, err := decodeCursor(r.Cursor)
		if err != nil {
			return nil, 0, err
		}
		if want := 1 + min(len(c.orderFields), 1); len(c.orderValues) > 0 && len(c.orderValues) != want {
			return nil, 0, errs.Input("Malformed cursor: orderFieldValues do not match orderFields")
		}
		return c, 0, nil
	}
	c := &cursor{query: r.Filter, fullText: r.FullText}
	if r.OrderField != nil {
		c.orderFields = []Order{*r.OrderField}
	}
	offset := 0
	if r.Offset != nil {
		if *r.Offset < 0 {
			return nil, 0, errs.Input("Invalid offset, must be zero or greater")
		}
		offset = *r.Offset
	}
	return c, offset, nil
}

// follow builds the next and previous cursors of a page exactly as Backstage
// does. hits holds up to limit+1 entries (the extra one only when paging
// forward).
func (c *cursor) follow(hits []hit, limit, total int) (next, prev *cursor) {
	hasMore := limit > 0 && (c.isPrevious || len(hits) > limit)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	sorted := len(c.orderFields) > 0
	firstSort := c.firstSortValues
	if !c.hasFirst {
		firstSort = sortValues(hits, 0, sorted)
	}
	if hasMore {
		n := *c
		n.orderValues = sortValues(hits, len(hits)-1, sorted)
		n.firstSortValues, n.hasFirst = firstSort, true
		n.isPrevious = false
		n.totalItems = &total
		next = &n
	}
	if c.hasFirst && len(hits) > 0 && !equalValues(sortValues(hits, 0, sorted), c.firstSortValues) {
		p := *c
		p.orderValues = sortValues(hits, 0, sorted)
		p.isPrevious = true
		p.totalItems = &total
		prev = &p
	}
	return next, prev
}

// sortValues returns the keyset position of hits[i]: [value, uid] when
// sorting by a field ([null, uid] for a null entry), [uid] otherwise; nulls
// when there is no such hit.
func sortValues(hits []hit, i int, sorted bool) []*string {
	if i < 0 || i >= len(hits) {
		if sorted {
			return []*string{nil, nil}
		}
		return []*string{nil}
	}
	h := hits[i]
	switch {
	case sorted && h.null:
		return []*string{nil, &h.uid}
	case sorted:
		return []*string{&h.val, &h.uid}
	}
	return []*string{&h.uid}
}

func equalValues(a, b []*string) bool {
	return slices.EqualFunc(a, b, func(x, y *string) bool {
		return (x == nil && y == nil) || (x != nil && y != nil && *x == *y)
	})
}

// searchPage runs the search of one page under the read lock. It returns up
// to limit+1 hits in page order (limit when paging backwards) and, if asked,
// the number of matching entities. When the plan wants a view or text
// column that is not built yet, it builds them under the write lock, once,
// and searches again.
func (ix *Index) searchPage(c *cursor, limit, offset int, wantTotal bool) ([]hit, int) {
	b := &builds{allowed: true}
	ix.mu.RLock()
	hits, total := ix.search(c, limit, offset, wantTotal, b)
	ix.mu.RUnlock()
	if b.empty() {
		return hits, total
	}
	ix.mu.Lock()
	if k, ok := ix.strs.lookup(b.view); ok && b.view != "" {
		ix.buildKeyView(k)
	}
	for _, t := range b.texts {
		if k, ok := ix.strs.lookup(t); ok {
			ix.buildTextCol(k)
		}
	}
	ix.mu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.search(c, limit, offset, wantTotal, &builds{})
}

// search is searchPage under a held read lock. When it wants structures
// that are not built and b allows asking, it lists them in b and returns
// nothing.
func (ix *Index) search(c *cursor, limit, offset int, wantTotal bool, b *builds) ([]hit, int) {
	start, ok := c.start()
	p := ix.plan(c, b)
	want := limit + 1
	if c.isPrevious {
		want = limit
	}
	scan := limit > 0 && !selectIsCheaper(p.set.n, p.domain, offset+want)
	if p.v == nil && b.allowed && (scan || (wantTotal && p.set.n > countScanLimit)) {
		b.view = p.sortKey
	}
	if !b.empty() {
		return nil, 0
	}
	total := 0
	if wantTotal {
		total = ix.countEntries(p) + p.nullCount()
	}
	if limit == 0 || !ok {
		return nil, total
	}
	fwd := len(c.orderFields) == 0 || !c.orderFields[0].Desc
	if c.isPrevious {
		fwd = !fwd
	}
	var entries []ventry
	switch {
	case p.set.n == 0:
	case p.v != nil && scan:
		entries, offset = ix.scanView(p.v, p.set, p.keep, fwd, start, offset, want)
	default:
		entries, offset = ix.selectEntries(p, fwd, start, offset, want)
	}
	hits := make([]hit, len(entries))
	for i, e := range entries {
		hits[i] = hit{json: ix.body(e.doc), val: ix.strs.str(e.val), uid: ix.strs.str(e.uid)}
	}
	if start == nil && len(hits) < want && p.nullCount() > 0 {
		// Only a first page reaches the nulls, which sort last.
		for _, e := range ix.uidOrder(p.nullSet(ix.live), fwd, offset, want-len(hits)) {
			hits = append(hits, hit{json: ix.body(e.doc), uid: ix.strs.str(e.uid), null: true})
		}
	}
	if c.isPrevious {
		slices.Reverse(hits)
	}
	return hits, total
}

// start returns the keyset position to continue after, nil on a first page.
// ok is false when the position holds a null, which, as in SQL, matches
// nothing.
func (c *cursor) start() (*[2]string, bool) {
	vals := c.orderValues
	switch {
	case len(vals) == 0:
		return nil, true
	case slices.Contains(vals, nil):
		return nil, false
	case len(vals) == 1:
		return &[2]string{*vals[0], *vals[0]}, true
	}
	return &[2]string{*vals[0], *vals[1]}, true
}

// selectIsCheaper compares the two plans for a page: walking the ordered
// view until want members of the set have been seen (about
// want*domain/size steps), or collecting and sorting the whole set (about
// size*log(size) comparisons, each a few times dearer than a step).
func selectIsCheaper(size, domain, want int) bool {
	scan := want * domain / max(size, 1)
	return size*bits.Len(uint(size))*4 < scan
}

// scanView walks v from start, keeping entries of docs in set (and, if
// keep is set, entries it keeps), skipping the first offset of them. It
// returns the part of offset that was left, when the view ran out first.
func (ix *Index) scanView(v *view, set *docset, keep func(ventry) bool, fwd bool, start *[2]string, offset, want int) ([]ventry, int) {
	out := make([]ventry, 0, min(want, set.n))
	it := ix.iterate(v, fwd, start)
	for e, ok := it.nextIn(set); ok && len(out) < want; e, ok = it.nextIn(set) {
		if keep != nil && !keep(e) {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		out = append(out, e)
	}
	return out, offset
}

// selectEntries collects the entries of the docs in the plan's set, orders
// them and returns the page after start, with the part of offset that was
// left.
func (ix *Index) selectEntries(p *plan, fwd bool, start *[2]string, offset, want int) ([]ventry, int) {
	all := make([]ventry, 0, p.set.n)
	p.set.each(func(d uint32) bool {
		rec := &ix.docs[d]
		if p.sortKey == "" {
			all = append(all, ventry{d, rec.uid, rec.uid})
			return true
		}
		for _, r := range keyRows(rec.rows, p.k) {
			if e := (ventry{d, r.val, rec.uid}); r.val != nullVal && (p.keep == nil || p.keep(e)) {
				all = append(all, e)
			}
		}
		return true
	})
	if start != nil {
		all = slices.DeleteFunc(all, func(e ventry) bool {
			c := ix.cmpKey(e, start[0], start[1])
			return (fwd && c <= 0) || (!fwd && c >= 0)
		})
	}
	slices.SortFunc(all, ix.cmpEntry)
	if !fwd {
		slices.Reverse(all)
	}
	left := max(offset-len(all), 0)
	all = all[min(offset, len(all)):]
	return all[:min(want, len(all))], left
}
