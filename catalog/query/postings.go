package query

import "slices"

// Special value ids used in posting keys and rows. Real string ids are far
// below them.
const (
	nullVal uint32 = 0xFFFFFFFE // a row without a value (null or longer than 200 characters)
	anyVal  uint32 = 0xFFFFFFFF // "some row with this key": existence postings
)

// listBit marks a posting entry that indexes postings.lists instead of
// holding a single doc id. Doc ids stay below it.
const listBit = 1 << 31

func pairKey(key, val uint32) uint64 { return uint64(key)<<32 | uint64(val) }

// postings maps (key id, value id) pairs to the docs that have such a row.
// Most pairs belong to exactly one doc (names, uids, slugs), so a single doc
// id is stored inline in the map value; only shared pairs get a docset.
// Multi-doc postings switch between a sorted id list and a bitmap depending
// on how much of the id space they cover.
type postings struct {
	m     map[uint64]uint32
	lists []*docset
	free  []uint32
}

func newPostings() postings {
	return postings{m: map[uint64]uint32{}}
}

// get returns the docs of pair, or the empty set.
func (p *postings) get(pair uint64) *docset {
	e, ok := p.m[pair]
	switch {
	case !ok:
		return emptySet
	case e&listBit == 0:
		return idSet([]uint32{e})
	}
	return p.lists[e&^listBit]
}

// count returns the number of docs of pair.
func (p *postings) count(pair uint64) int {
	e, ok := p.m[pair]
	switch {
	case !ok:
		return 0
	case e&listBit == 0:
		return 1
	}
	return p.lists[e&^listBit].n
}

// add records that doc d has pair. universe is the size of the doc id space,
// which decides when a list becomes a bitmap.
func (p *postings) add(pair uint64, d uint32, universe int) {
	e, ok := p.m[pair]
	switch {
	case !ok:
		p.m[pair] = d
		return
	case e == d:
		return
	case e&listBit == 0:
		ids := []uint32{min(e, d), max(e, d)}
		p.m[pair] = p.newList(idSet(ids))
		return
	}
	s := p.lists[e&^listBit]
	if s.dense() {
		if !s.has(d) {
			s.bits = growBits(s.bits, d)
			s.bits[d>>6] |= 1 << (d & 63)
			s.n++
		}
		return
	}
	i, found := slices.BinarySearch(s.ids, d)
	if found {
		return
	}
	s.ids = slices.Insert(s.ids, i, d)
	s.n++
	if s.n > 64 && s.n*32 > universe {
		s.bits, s.ids = s.toBits(universe/64+1), nil
	}
}

// remove records that doc d no longer has pair.
func (p *postings) remove(pair uint64, d uint32, universe int) {
	e, ok := p.m[pair]
	switch {
	case !ok:
		return
	case e&listBit == 0:
		if e == d {
			delete(p.m, pair)
		}
		return
	}
	li := e &^ listBit
	s := p.lists[li]
	if !s.has(d) {
		return
	}
	if s.dense() {
		s.bits[d>>6] &^= 1 << (d & 63)
	} else {
		i, _ := slices.BinarySearch(s.ids, d)
		s.ids = slices.Delete(s.ids, i, i+1)
	}
	s.n--
	switch {
	case s.n == 1:
		var last uint32
		s.each(func(x uint32) bool { last = x; return false })
		p.m[pair] = last
		p.lists[li] = nil
		p.free = append(p.free, li)
	case s.dense() && s.n*64 < universe:
		ids := make([]uint32, 0, s.n)
		s.each(func(x uint32) bool { ids = append(ids, x); return true })
		s.ids, s.bits = ids, nil
	}
}

func (p *postings) newList(s *docset) uint32 {
	if n := len(p.free); n > 0 {
		li := p.free[n-1]
		p.free = p.free[:n-1]
		p.lists[li] = s
		return li | listBit
	}
	p.lists = append(p.lists, s)
	return uint32(len(p.lists)-1) | listBit
}
