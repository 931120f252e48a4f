package query

import (
	"cmp"
	"slices"
)

// FacetCount is one bucket of an entity facet.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facets counts, for each requested facet (a search key, matched
// lower-cased), the entities matching p per original value, as Backstage's
// entity-facets endpoint does: values keep their case and are grouped
// exactly, array fields count once per item, rows without a value are left
// out, and buckets are sorted by value. The result is keyed by the facets as
// given; a facet nobody has maps to an empty list.
func (ix *Index) Facets(p Predicate, facets []string) map[string][]FacetCount {
	ix.mu.RLock()
	missing := ix.missingFacets(facets)
	ix.mu.RUnlock()
	if len(missing) > 0 {
		ix.mu.Lock()
		for _, k := range missing {
			if id, ok := ix.strs.lookup(k); ok {
				ix.buildFacet(id)
			}
		}
		ix.mu.Unlock()
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	set := ix.eval(p)
	out := make(map[string][]FacetCount, len(facets))
	for _, f := range facets {
		out[f] = ix.facetCounts(jsLower(f), set)
	}
	return out
}

// missingFacets lists the lower-cased facet keys that exist but have no
// counters yet.
func (ix *Index) missingFacets(facets []string) []string {
	var missing []string
	for _, f := range facets {
		k, ok := ix.strs.lookup(jsLower(f))
		if ok && ix.dirs[k] == nil {
			missing = append(missing, jsLower(f))
		}
	}
	return missing
}

// facetCounts counts one facet over set.
func (ix *Index) facetCounts(key string, set *docset) []FacetCount {
	out := []FacetCount{}
	k, ok := ix.strs.lookup(key)
	if !ok {
		return out
	}
	f := ix.dirs[k]
	if f == nil || set.n < len(f.buckets) {
		return ix.scanFacet(k, set)
	}
	f.used.Store(ix.tick())
	for o, b := range f.buckets {
		n := int(b.n)
		if set != ix.live {
			n = ix.bucketCount(k, o, b, f.variants[b.val], set)
		}
		if n > 0 {
			out = append(out, FacetCount{Value: ix.strs.str(o), Count: n})
		}
	}
	sortFacet(out)
	return out
}

// bucketCount counts the docs of set with original value o. When o is the
// only spelling of its lower-cased value, that value's posting is exactly
// the bucket; otherwise its members are checked one by one.
func (ix *Index) bucketCount(k, o uint32, b *bucket, variants int32, set *docset) int {
	post := ix.post.get(k, b.val)
	if variants <= 1 {
		return andCount(post, set)
	}
	n := 0
	and(post, set).each(func(d uint32) bool {
		for _, r := range keyRows(ix.docs[d].rows, k) {
			if r.val == b.val && r.orig == o {
				n++
			}
		}
		return true
	})
	return n
}

// scanFacet counts a facet by visiting the rows of every doc in set that has
// the key; used for small sets and when no counters are kept.
func (ix *Index) scanFacet(k uint32, set *docset) []FacetCount {
	counts := map[uint32]int{}
	and(set, ix.post.get(k, anyVal)).each(func(d uint32) bool {
		for _, r := range keyRows(ix.docs[d].rows, k) {
			if r.orig != nullVal {
				counts[r.orig]++
			}
		}
		return true
	})
	out := make([]FacetCount, 0, len(counts))
	for o, n := range counts {
		out = append(out, FacetCount{Value: ix.strs.str(o), Count: n})
	}
	sortFacet(out)
	return out
}

func sortFacet(fc []FacetCount) {
	slices.SortFunc(fc, func(a, b FacetCount) int { return cmp.Compare(a.Value, b.Value) })
}
