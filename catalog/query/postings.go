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

// postings maps (key id, value id) pairs to the docs that have such a row;
// the value anyVal stands for "any row with this key". Most pairs belong to
// exactly one doc (names, uids, slugs), so the table stores just a doc id for
// them and no key at all: a candidate is confirmed by looking the pair up in
// that doc's rows. Shared pairs get a plist, which records its pair and
// switches between a sorted id list and a bitmap depending on how much of
// the id space it covers. The table costs about 12 bytes per pair.
type postings struct {
	idx    hashIndex
	lists  []plist
	free   []uint32
	docHas func(d, key, val uint32) bool // whether doc d has a row (key, val)
}

// plist is a posting shared by several docs. Up to smallList docs are kept
// inline, which covers most shared pairs without a docset allocation.
type plist struct {
	key, val uint32
	n        uint32 // inline members in small; 0 when set is used
	small    [smallList]uint32
	set      *docset
}

const smallList = 4

// docs returns the members as a docset.
func (l *plist) docs() *docset {
	if l.set != nil {
		return l.set
	}
	return idSet(l.small[:l.n:l.n])
}

func pairHash(key, val uint32) uint32 {
	x := uint64(key)<<32 | uint64(val)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return uint32(x >> 32)
}

// slot finds the table position of the pair, or -1.
func (p *postings) slot(key, val uint32) int {
	return p.idx.slot(pairHash(key, val), func(e uint32) bool {
		if e&listBit != 0 {
			l := p.lists[e&^listBit]
			return l.key == key && l.val == val
		}
		return p.docHas(e, key, val)
	})
}

// get returns the docs of the pair, or the empty set.
func (p *postings) get(key, val uint32) *docset {
	i := p.slot(key, val)
	if i < 0 {
		return emptySet
	}
	e := uint32(p.idx.slots[i]) - 1
	if e&listBit == 0 {
		return idSet([]uint32{e})
	}
	return p.lists[e&^listBit].docs()
}

// add records that doc d has the pair. The doc's rows must already hold it.
// universe is the size of the doc id space, which decides when a list
// becomes a bitmap. It reports whether the pair is new.
func (p *postings) add(key, val, d uint32, universe int) bool {
	i := p.slot(key, val)
	if i < 0 {
		p.idx.insert(pairHash(key, val), d)
		return true
	}
	p.addTo(i, key, val, d, universe)
	return false
}

// addTo adds doc d to the existing posting at table position i.
func (p *postings) addTo(i int, key, val, d uint32, universe int) {
	e := uint32(p.idx.slots[i]) - 1
	if e&listBit == 0 {
		if e != d {
			p.idx.set(i, p.newList(plist{key: key, val: val, n: 2, small: [smallList]uint32{min(e, d), max(e, d)}}))
		}
		return
	}
	l := &p.lists[e&^listBit]
	if l.set == nil {
		ids := l.small[:l.n]
		j, found := slices.BinarySearch(ids, d)
		switch {
		case found:
			return
		case l.n < smallList:
			copy(l.small[j+1:l.n+1], l.small[j:l.n])
			l.small[j] = d
			l.n++
			return
		}
		l.set = idSet(slices.Insert(slices.Clone(ids), j, d))
		l.n = 0
		return
	}
	s := l.set
	switch {
	case s.dense():
		if !s.has(d) {
			s.bits = growBits(s.bits, d)
			s.bits[d>>6] |= 1 << (d & 63)
			s.n++
		}
	case len(s.ids) > 0 && s.ids[len(s.ids)-1] < d:
		// New docs get the highest ids: append without a search.
		s.ids = append(s.ids, d)
		s.n++
		if s.n > 64 && s.n*32 > universe {
			s.bits, s.ids = s.toBits(universe/64+1), nil
		}
	default:
		j, found := slices.BinarySearch(s.ids, d)
		if found {
			return
		}
		s.ids = slices.Insert(s.ids, j, d)
		s.n++
		if s.n > 64 && s.n*32 > universe {
			s.bits, s.ids = s.toBits(universe/64+1), nil
		}
	}
}

// addRun records that the docs of run, sorted and distinct, have the pair.
// Their rows must already hold it. It reports whether the pair is new. run
// is not retained.
func (p *postings) addRun(key, val uint32, run []uint32, universe int) bool {
	if len(run) == 1 {
		return p.add(key, val, run[0], universe)
	}
	i := p.slot(key, val)
	if i < 0 {
		p.idx.insert(pairHash(key, val), p.newList(makeList(key, val, slices.Clone(run), universe)))
		return true
	}
	e := uint32(p.idx.slots[i]) - 1
	if e&listBit == 0 {
		if ids := mergeIDs([]uint32{e}, run); len(ids) > 1 {
			p.idx.set(i, p.newList(makeList(key, val, ids, universe)))
		}
		return false
	}
	l := &p.lists[e&^listBit]
	if l.set == nil {
		ids := mergeIDs(l.small[:l.n], run)
		if len(ids) <= smallList {
			l.n = uint32(copy(l.small[:], ids))
			return false
		}
		l.n, l.set = 0, idSet(ids)
	} else if s := l.set; s.dense() {
		for _, d := range run {
			s.bits = growBits(s.bits, d)
			if s.bits[d>>6]&(1<<(d&63)) == 0 {
				s.bits[d>>6] |= 1 << (d & 63)
				s.n++
			}
		}
		return false
	} else if n := len(s.ids); n == 0 || s.ids[n-1] < run[0] {
		s.ids = append(s.ids, run...)
		s.n = len(s.ids)
	} else {
		s.ids = mergeIDs(s.ids, run)
		s.n = len(s.ids)
	}
	if s := l.set; s.n > 64 && s.n*32 > universe {
		s.bits, s.ids = s.toBits(universe/64+1), nil
	}
	return false
}

// makeList returns the shared posting of the pair with members ids, sorted,
// distinct and at least two, which it keeps.
func makeList(key, val uint32, ids []uint32, universe int) plist {
	l := plist{key: key, val: val}
	if len(ids) <= smallList {
		l.n = uint32(copy(l.small[:], ids))
		return l
	}
	l.set = idSet(ids)
	if l.set.n > 64 && l.set.n*32 > universe {
		l.set.bits, l.set.ids = l.set.toBits(universe/64+1), nil
	}
	return l
}

// remove records that doc d no longer has the pair. The doc's rows must
// still hold it. It reports whether the pair is gone.
func (p *postings) remove(key, val, d uint32, universe int) bool {
	i := p.slot(key, val)
	if i < 0 {
		return false
	}
	e := uint32(p.idx.slots[i]) - 1
	if e&listBit == 0 {
		if e == d {
			p.idx.removeAt(i)
			return true
		}
		return false
	}
	p.removeFrom(i, e&^listBit, d, universe)
	return false
}

// removeFrom removes doc d from the shared posting li at table position i.
func (p *postings) removeFrom(i int, li, d uint32, universe int) {
	l := &p.lists[li]
	if l.set == nil {
		j, found := slices.BinarySearch(l.small[:l.n], d)
		if !found {
			return
		}
		copy(l.small[j:], l.small[j+1:l.n])
		if l.n--; l.n == 1 {
			p.idx.set(i, l.small[0])
			p.lists[li] = plist{}
			p.free = append(p.free, li)
		}
		return
	}
	s := l.set
	if !s.has(d) {
		return
	}
	if s.dense() {
		s.bits[d>>6] &^= 1 << (d & 63)
	} else {
		j, _ := slices.BinarySearch(s.ids, d)
		s.ids = slices.Delete(s.ids, j, j+1)
	}
	s.n--
	switch {
	case s.n <= smallList:
		l.n, l.set = 0, nil
		s.each(func(x uint32) bool { l.small[l.n] = x; l.n++; return true })
	case s.dense() && s.n*64 < universe:
		ids := make([]uint32, 0, s.n)
		s.each(func(x uint32) bool { ids = append(ids, x); return true })
		s.ids, s.bits = ids, nil
	}
}

func (p *postings) newList(l plist) uint32 {
	if n := len(p.free); n > 0 {
		li := p.free[n-1]
		p.free = p.free[:n-1]
		p.lists[li] = l
		return li | listBit
	}
	p.lists = append(p.lists, l)
	return uint32(len(p.lists)-1) | listBit
}

// docHasRow reports whether rows hold (key, val), where val anyVal means any
// row with the key.
func docHasRow(rows []row, key, val uint32) bool {
	kr := keyRows(rows, key)
	if val == anyVal {
		return len(kr) > 0
	}
	for _, r := range kr {
		if r.val == val {
			return true
		}
	}
	return false
}

// pairKey packs a (key, value) pair into one sortable word.
func pairKey(key, val uint32) uint64 { return uint64(key)<<32 | uint64(val) }
