package query

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// ListRequest is a GET /entities request. Any of Offset, Limit or After
// makes it paged; otherwise the whole matching set is streamed.
type ListRequest struct {
	Filter Predicate
	Order  []Order
	Offset *int
	Limit  *int
	After  *string // the after cursor from a Link header
	Fields []string
}

// Paged reports whether the request asks for one page.
func (r ListRequest) Paged() bool { return r.Offset != nil || r.Limit != nil || r.After != nil }

// ListResult is one page of GET /entities.
type ListResult struct {
	Items     [][]byte
	NextAfter string // cursor for the Link rel="next" header; empty on the last page
}

// streamChunk is how many entities Stream reads per lock acquisition.
const streamChunk = 1000

// streamFirstPage is the page size of Backstage's unpaged GET /entities,
// which decides whether an ordered stream reaches the nulls.
const streamFirstPage = 10_000

// List answers a paged GET /entities request as Backstage's entities() does:
// by entity ref without order; with order directives, by a left join on the
// search rows of each field (the key as given), so an entity appears once
// per value (or combination of values), sorted directive by directive with
// nulls last and ties by uid ascending (see byOneOrder and byOrders). The
// after cursor, base64 of {"limit","offset"}, overrides both. An unpaged
// request returns everything Stream would yield.
func (ix *Index) List(ctx context.Context, req ListRequest) (ListResult, error) {
	proj, err := CompileFields(req.Fields)
	if err != nil {
		return ListResult{}, err
	}
	if !req.Paged() {
		return ix.listAll(ctx, req)
	}
	offset, limit, err := req.page()
	if err != nil {
		return ListResult{}, err
	}
	need := math.MaxInt
	if limit >= 0 {
		need = offset + limit + 1
	}
	if len(req.Order) == 0 {
		ix.ensureRefView()
	}
	ix.mu.RLock()
	hits := ix.listPage(req.Filter, req.Order, need)
	ix.mu.RUnlock()
	hits = hits[min(offset, len(hits)):]
	var res ListResult
	if limit >= 0 && len(hits) > limit {
		hits = hits[:limit]
		after, _ := json.Marshal(map[string]int{"limit": limit, "offset": offset + limit})
		res.NextAfter = base64.StdEncoding.EncodeToString(after)
	}
	if hits, err = ix.fill(ctx, hits, true); err != nil {
		return ListResult{}, err
	}
	res.Items = make([][]byte, len(hits))
	for i, h := range hits {
		if res.Items[i], err = proj.Apply(h.json); err != nil {
			return ListResult{}, err
		}
	}
	return res, nil
}

// listAll collects what Stream yields.
func (ix *Index) listAll(ctx context.Context, req ListRequest) (ListResult, error) {
	seq, err := ix.Stream(ctx, req)
	if err != nil {
		return ListResult{}, err
	}
	var res ListResult
	for item, err := range seq {
		if err != nil {
			return ListResult{}, err
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}

// ensureRefView builds the view by entity ref if it is missing.
func (ix *Index) ensureRefView() {
	ix.mu.RLock()
	missing := ix.refView == nil
	ix.mu.RUnlock()
	if missing {
		ix.mu.Lock()
		ix.buildRefView()
		ix.mu.Unlock()
	}
}

// page validates the paging parameters and applies the after cursor. A
// limit of -1 means none.
func (r ListRequest) page() (offset, limit int, err error) {
	offset, limit = 0, -1
	if r.Offset != nil {
		if *r.Offset < 0 {
			return 0, 0, errs.Input("Invalid offset, must be zero or greater")
		}
		offset = *r.Offset
	}
	if r.Limit != nil {
		if *r.Limit <= 0 {
			return 0, 0, errs.Input("Invalid limit, must be greater than zero")
		}
		limit = *r.Limit
	}
	if r.After == nil {
		return offset, limit, nil
	}
	if *r.After == "" {
		return 0, 0, errs.Input("Invalid after, must not be empty")
	}
	raw, err := decodeBase64(*r.After)
	var c map[string]any
	if err != nil || json.Unmarshal(raw, &c) != nil {
		return 0, 0, errs.Input("Malformed after cursor, could not be parsed")
	}
	if v, ok := c["limit"]; ok {
		if limit, ok = jsInteger(v); !ok {
			return 0, 0, errs.Input("Malformed after cursor, limit was not an number")
		}
	}
	if v, ok := c["offset"]; ok {
		if offset, ok = jsInteger(v); !ok {
			return 0, 0, errs.Input("Malformed after cursor, offset was not a number")
		}
	}
	return offset, limit, nil
}

// jsInteger mirrors Number.isInteger for a decoded JSON value.
func jsInteger(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}

// listPage returns the first need entities of the list order, with their
// bodies when held. The caller holds the read lock.
func (ix *Index) listPage(filter Predicate, order []Order, need int) []hit {
	set := ix.eval(filter)
	var docs []uint32
	switch len(order) {
	case 0:
		docs = ix.byRefOrder(set, need)
	case 1:
		docs = ix.byOneOrder(set, order[0], need)
	default:
		docs = ix.byOrders(set, order, need)
	}
	out := make([]hit, len(docs))
	for i, d := range docs {
		out[i] = ix.hitOf(d)
	}
	return out
}

// byRefOrder returns the first need docs of set by entity ref.
func (ix *Index) byRefOrder(set *docset, need int) []uint32 {
	refOf := func(d uint32) string { return ix.strs.str(ix.docs[d].ref) }
	var docs []uint32
	if v := ix.refView; v != nil && !selectIsCheaper(set.n, ix.live.n, min(need, set.n)) {
		entries, _ := ix.scanView(v, set, nil, true, nil, 0, min(need, set.n))
		for _, e := range entries {
			docs = append(docs, e.doc)
		}
		return docs
	}
	set.each(func(d uint32) bool { docs = append(docs, d); return true })
	slices.SortFunc(docs, func(a, b uint32) int { return strings.Compare(refOf(a), refOf(b)) })
	return docs[:min(need, len(docs))]
}

// byOneOrder returns the first need docs of set for one order directive,
// as Backstage's left join on the search rows whose key is the field (as
// given, not lower-cased): one entry per value, sorted by value and then uid
// ascending, then one per doc that sorts as null (no row of the key, or a
// null row) by uid.
func (ix *Index) byOneOrder(set *docset, o Order, need int) []uint32 {
	var docs []uint32
	k, ok := ix.strs.lookup(o.Field)
	nulls := set
	if ok {
		nulls = or(andNot(set, ix.post.get(k, anyVal)), and(set, ix.post.get(k, nullVal)))
		for _, e := range ix.valueOrder(and(set, ix.withValue(k)), k, o.Desc, need) {
			docs = append(docs, e.doc)
		}
	}
	if len(docs) < need {
		entries, _ := ix.scanView(ix.uidView, nulls, nil, true, nil, 0, min(need-len(docs), nulls.n))
		for _, e := range entries {
			docs = append(docs, e.doc)
		}
	}
	return docs
}

// valueOrder returns the first need entries of key k for the docs of set,
// by value (descending if desc) and then uid ascending, from the view of k
// when there is one.
func (ix *Index) valueOrder(set *docset, k uint32, desc bool, need int) []ventry {
	v := ix.keyView(k)
	if v == nil {
		entries, _ := ix.selectEntries(&plan{sortKey: ix.strs.str(k), k: k, set: set}, true, nil, 0, math.MaxInt)
		if desc {
			slices.Reverse(entries)
			reverseRuns(entries)
		}
		return entries[:min(need, len(entries))]
	}
	var out []ventry
	it := ix.iterate(v, !desc, nil)
	run := 0 // start of the run of equal values at the end of out
	for e, ok := it.next(); ok; e, ok = it.next() {
		if !set.has(e.doc) {
			continue
		}
		if len(out) > run && out[run].val != e.val {
			if desc {
				slices.Reverse(out[run:])
			}
			if run = len(out); len(out) >= need {
				return out[:need]
			}
		}
		out = append(out, e)
	}
	if desc {
		slices.Reverse(out[run:])
	}
	return out[:min(need, len(out))]
}

// reverseRuns reverses, in place, every run of entries with equal values:
// (value desc, uid desc) becomes (value desc, uid asc).
func reverseRuns(entries []ventry) {
	for start := 0; start < len(entries); {
		end := start + 1
		for end < len(entries) && entries[end].val == entries[start].val {
			end++
		}
		slices.Reverse(entries[start:end])
		start = end
	}
}

// byOrders sorts set by several directives as Backstage's chain of left
// joins does: a doc appears once per combination of its values of the
// fields (a missing field or a null row counting as one null value), sorted
// directive by directive with nulls last, ties by uid ascending.
func (ix *Index) byOrders(set *docset, order []Order, need int) []uint32 {
	keys := make([]uint32, len(order))
	found := make([]bool, len(order))
	for i, o := range order {
		keys[i], found[i] = ix.strs.lookup(o.Field)
	}
	type sortable struct {
		doc  uint32
		vals []*string
	}
	all := make([]sortable, 0, set.n)
	set.each(func(d uint32) bool {
		combos := [][]*string{nil}
		for i := range order {
			vals := []*string{nil}
			if found[i] {
				vals = ix.orderValues(d, keys[i])
			}
			next := make([][]*string, 0, len(combos)*len(vals))
			for _, c := range combos {
				for _, v := range vals {
					next = append(next, append(slices.Clip(c), v))
				}
			}
			combos = next
		}
		for _, c := range combos {
			all = append(all, sortable{doc: d, vals: c})
		}
		return true
	})
	slices.SortStableFunc(all, func(a, b sortable) int {
		for i, o := range order {
			if c := cmpNullsLast(a.vals[i], b.vals[i], o.Desc); c != 0 {
				return c
			}
		}
		return strings.Compare(ix.strs.str(ix.docs[a.doc].uid), ix.strs.str(ix.docs[b.doc].uid))
	})
	docs := make([]uint32, 0, min(need, len(all)))
	for _, s := range all[:min(need, len(all))] {
		docs = append(docs, s.doc)
	}
	return docs
}

// orderValues returns what a left join of doc d on key k gives: each value
// (nil for a null row), or a single nil when d has no row of k.
func (ix *Index) orderValues(d, k uint32) []*string {
	var vals []*string
	for _, r := range keyRows(ix.docs[d].rows, k) {
		if r.val == nullVal {
			vals = append(vals, nil)
			continue
		}
		s := ix.strs.str(r.val)
		vals = append(vals, &s)
	}
	if len(vals) == 0 {
		return []*string{nil}
	}
	return vals
}

func cmpNullsLast(a, b *string, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	case desc:
		return strings.Compare(*b, *a)
	}
	return strings.Compare(*a, *b)
}

// Stream yields every entity of an unpaged GET /entities request, as the
// Backstage backend does: through by-query pages (see Query) in uid order
// or by the first order directive. Backstage's pages hold 10,000 entities,
// and only a first page reaches the entities that sort as null, so they
// appear only when fewer than 10,000 entities have a value. Entities are
// read a chunk at a time, so the read lock is never held while the caller
// writes. Errors in Fields are returned before anything is yielded.
func (ix *Index) Stream(ctx context.Context, req ListRequest) (iter.Seq2[[]byte, error], error) {
	proj, err := CompileFields(req.Fields)
	if err != nil {
		return nil, err
	}
	c := &cursor{query: req.Filter}
	if len(req.Order) > 0 {
		c.orderFields = req.Order[:1]
	}
	return func(yield func([]byte, error) bool) {
		chunk := streamChunk
		if len(c.orderFields) > 0 {
			chunk = streamFirstPage
		}
		for {
			hits, _ := ix.searchPage(c, chunk, 0, false)
			more := len(hits) > chunk
			if more {
				n := *c
				n.orderValues = sortValues(hits, chunk-1, len(c.orderFields) > 0)
				c = &n
			}
			page, err := ix.fill(ctx, hits[:min(len(hits), chunk)], false)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, h := range page {
				item, err := proj.Apply(h.json)
				if !yield(item, err) || err != nil {
					return
				}
			}
			if !more {
				return
			}
			chunk = streamChunk
		}
	}, nil
}
