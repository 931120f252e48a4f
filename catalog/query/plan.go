package query

import (
	"slices"
	"strings"
)

// plan is how a search walks the index: the sort key and its view, the docs
// that have a non-null value for it (set, walked in value order) and what
// it takes to find the docs that sort as null (walked in uid order after
// them), which only a first page or a count needs.
type plan struct {
	sortKey string // the order field as given; "" for uid order
	k       uint32 // the string id of sortKey, when found
	found   bool
	v       *view // the view of sortKey (or by uid), nil if not built
	set     *docset
	domain  int  // docs with a value for the sort key: what the view covers
	single  bool // no doc has two values for the sort key
	// keep, when set, tells which entries of set to keep: with a
	// full-text filter on the order field itself, Backstage matches the
	// joined value, so only the matching values of a doc appear, and no
	// nulls.
	keep func(e ventry) bool
	// The docs that sort as null are those of match without a row of the
	// key (has) or with a null row of it (nullRows).
	match, has, nullRows *docset
}

// plan resolves the session's sort order and matching sets. Backstage joins
// the search rows whose key equals the order field exactly, so a field that
// is not a lower-cased search key sorts every entity as null.
func (ix *Index) plan(c *cursor, b *builds) *plan {
	match := ix.eval(c.query)
	if len(c.orderFields) == 0 {
		set := ix.fullTextSet(c.fullText, "", match, b)
		return &plan{v: ix.uidView, set: set, domain: ix.live.n, single: true, match: emptySet}
	}
	p := &plan{sortKey: c.orderFields[0].Field, set: emptySet, match: emptySet, has: emptySet, nullRows: emptySet}
	withValue := emptySet
	if k, found := ix.strs.lookup(p.sortKey); found {
		p.k, p.found, p.v = k, true, ix.keyView(k)
		p.has, p.nullRows = ix.post.get(k, anyVal), ix.post.get(k, nullVal)
		withValue = ix.withValue(k)
		p.domain = withValue.n
		p.single = p.v != nil && p.v.size() == withValue.n
	}
	ft := c.fullText
	if term := jsLower(strings.TrimSpace(termOf(ft))); term != "" && (ft.Fields == nil || slices.Equal(ft.Fields, []string{p.sortKey})) {
		// Matched against the joined value.
		if p.found {
			p.set = and(ix.fullTextSet(&FullText{Term: ft.Term, Fields: []string{p.sortKey}}, p.sortKey, match, b), withValue)
			p.keep = func(e ventry) bool { return likeContains(ix.strs.str(e.val), term) }
		}
		return p
	}
	p.match = ix.fullTextSet(ft, p.sortKey, match, b)
	p.set = and(p.match, withValue)
	return p
}

// nullCount returns how many docs sort as null, without building their set.
func (p *plan) nullCount() int {
	if p.match.n == 0 {
		return 0
	}
	return p.match.n - andCount(p.match, p.has) + andCount(p.match, p.nullRows)
}

// nullSet returns the docs that sort as null.
func (p *plan) nullSet(live *docset) *docset {
	return and(p.match, or(andNot(live, p.has), p.nullRows))
}

func termOf(ft *FullText) string {
	if ft == nil {
		return ""
	}
	return ft.Term
}

// countEntries counts the non-null entries of a plan's set: one per doc and
// distinct (matching) value.
func (ix *Index) countEntries(p *plan) int {
	if p.sortKey == "" || (p.single && p.keep == nil) {
		return p.set.n
	}
	n := 0
	p.set.each(func(d uint32) bool {
		for _, r := range keyRows(ix.docs[d].rows, p.k) {
			if r.val != nullVal && (p.keep == nil || p.keep(ventry{val: r.val})) {
				n++
			}
		}
		return true
	})
	return n
}

// countScanLimit is the size of a result set above which counting its
// entries by visiting every doc costs more than building the sort key's
// view, which tells at once whether each doc has a single value.
const countScanLimit = 4096

// withValue returns the docs that have a non-null value for key k.
func (ix *Index) withValue(k uint32) *docset {
	has := ix.post.get(k, anyVal)
	nulls := ix.post.get(k, nullVal)
	if nulls.n == 0 {
		return has
	}
	var drop []uint32
	nulls.each(func(d uint32) bool {
		// nullVal sorts after every value id, so a doc whose first row
		// of k is null has no value for k at all.
		if keyRows(ix.docs[d].rows, k)[0].val == nullVal {
			drop = append(drop, d)
		}
		return true
	})
	return andNot(has, idSet(drop))
}

// uidOrder returns the page of set in uid order, after skipping offset
// docs, by walking the uid view or, for a small set, sorting it.
func (ix *Index) uidOrder(set *docset, fwd bool, offset, want int) []ventry {
	if selectIsCheaper(set.n, ix.live.n, offset+want) {
		entries, _ := ix.selectEntries(&plan{set: set}, fwd, nil, offset, want)
		return entries
	}
	entries, _ := ix.scanView(ix.uidView, set, nil, fwd, nil, offset, want)
	return entries
}
