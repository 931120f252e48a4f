package query

import (
	"cmp"
	"slices"
	"strings"
)

// Predicates are evaluated in two ways: eval computes the set of matching
// docs from the postings (for queries over the whole index), and matchDoc
// tests one doc against its rows (for by-refs, where only a few docs are
// looked at). The tests check that both agree. Callers hold the read lock.

// eval returns the docs matching p. Every set it builds is a subset of the
// live docs, since postings only hold live docs. The result may share memory
// with the index and is only valid under the lock.
func (ix *Index) eval(p Predicate) *docset {
	if p.root == nil {
		return ix.live
	}
	return ix.evalNode(p.root)
}

func (ix *Index) evalNode(n *pnode) *docset {
	switch n.kind {
	case pNot:
		return andNot(ix.live, ix.evalNode(n.kids[0]))
	case pAny:
		out := emptySet
		for _, k := range n.kids {
			out = or(out, ix.evalNode(k))
		}
		return out
	case pAll:
		sets := make([]*docset, 0, len(n.kids))
		for _, k := range n.kids {
			sets = append(sets, ix.evalNode(k))
		}
		return ix.intersect(sets)
	}
	sets := make([]*docset, 0, len(n.conds))
	for i := range n.conds {
		sets = append(sets, ix.evalCond(&n.conds[i]))
	}
	return ix.intersect(sets)
}

// intersect ANDs sets, smallest first; no sets means every doc.
func (ix *Index) intersect(sets []*docset) *docset {
	if len(sets) == 0 {
		return ix.live
	}
	slices.SortFunc(sets, func(a, b *docset) int { return cmp.Compare(a.n, b.n) })
	out := sets[0]
	for _, s := range sets[1:] {
		if out.n == 0 {
			break
		}
		out = and(out, s)
	}
	return out
}

func (ix *Index) evalCond(c *cond) *docset {
	k, ok := ix.strs.lookup(c.lkey)
	switch c.kind {
	case cExists:
		set := emptySet
		if ok {
			set = ix.post.get(k, anyVal)
		}
		if c.exists {
			return set
		}
		return andNot(ix.live, set)
	case cRelation:
		if c.vals == nil {
			if !ok {
				return emptySet
			}
			return ix.post.get(k, anyVal)
		}
	case cPrefix:
		if !ok {
			return emptySet
		}
		return ix.prefixSet(k, jsLower(c.prefix))
	}
	if !ok {
		return emptySet
	}
	out := emptySet
	for _, p := range c.vals {
		if v, found := ix.strs.lookup(p.match); found {
			out = or(out, ix.post.get(k, v))
		}
	}
	return out
}

// prefixSet returns the docs with a row of key k whose value starts with
// prefix. With a view of k this is a range scan; otherwise every doc that has
// the key is checked.
func (ix *Index) prefixSet(k uint32, prefix string) *docset {
	var ids []uint32
	if v := ix.keyView(k); v != nil {
		it := ix.iterate(v, true, &[2]string{prefix, ""})
		for e, ok := it.next(); ok && strings.HasPrefix(ix.strs.str(e.val), prefix); e, ok = it.next() {
			ids = append(ids, e.doc)
		}
		slices.Sort(ids)
		return idSet(slices.Compact(ids))
	}
	ix.post.get(k, anyVal).each(func(d uint32) bool {
		for _, r := range keyRows(ix.docs[d].rows, k) {
			if r.val != nullVal && strings.HasPrefix(ix.strs.str(r.val), prefix) {
				ids = append(ids, d)
				break
			}
		}
		return true
	})
	return idSet(ids)
}

// matchDoc reports whether the doc with the given rows matches p.
func (ix *Index) matchDoc(p Predicate, rows []row) bool {
	return p.root == nil || ix.matchNode(p.root, rows)
}

func (ix *Index) matchNode(n *pnode, rows []row) bool {
	switch n.kind {
	case pNot:
		return !ix.matchNode(n.kids[0], rows)
	case pAny:
		for _, k := range n.kids {
			if ix.matchNode(k, rows) {
				return true
			}
		}
		return false
	case pAll:
		for _, k := range n.kids {
			if !ix.matchNode(k, rows) {
				return false
			}
		}
		return true
	}
	for i := range n.conds {
		if !ix.matchCond(&n.conds[i], rows) {
			return false
		}
	}
	return true
}

func (ix *Index) matchCond(c *cond, rows []row) bool {
	var kr []row
	if k, ok := ix.strs.lookup(c.lkey); ok {
		kr = keyRows(rows, k)
	}
	switch c.kind {
	case cExists:
		return (len(kr) > 0) == c.exists
	case cPrefix:
		prefix := jsLower(c.prefix)
		for _, r := range kr {
			if r.val != nullVal && strings.HasPrefix(ix.strs.str(r.val), prefix) {
				return true
			}
		}
		return false
	case cRelation:
		if c.vals == nil {
			return len(kr) > 0
		}
	}
	for _, p := range c.vals {
		v, ok := ix.strs.lookup(p.match)
		if !ok {
			continue
		}
		for _, r := range kr {
			if r.val == v {
				return true
			}
		}
	}
	return false
}
