package query

import (
	"math/bits"
	"slices"
)

// docset is an immutable set of internal doc ids: a sorted id list when
// sparse, a bitmap when dense. Predicate evaluation produces docsets; the
// posting lists of the index are docsets too, and are shared with queries
// rather than copied, so a docset must never be modified once published.
type docset struct {
	ids  []uint32 // sorted ascending; used when bits is nil
	bits []uint64 // bit d set when doc d is a member
	n    int      // cardinality
}

// emptySet is the set without members.
var emptySet = &docset{}

func idSet(ids []uint32) *docset { return &docset{ids: ids, n: len(ids)} }

func bitSet(words []uint64) *docset {
	n := 0
	for _, w := range words {
		n += bits.OnesCount64(w)
	}
	return &docset{bits: words, n: n}
}

func (s *docset) dense() bool { return s.bits != nil }

// has reports whether d is a member.
func (s *docset) has(d uint32) bool {
	if s.bits != nil {
		w := int(d >> 6)
		return w < len(s.bits) && s.bits[w]&(1<<(d&63)) != 0
	}
	_, ok := slices.BinarySearch(s.ids, d)
	return ok
}

// each calls fn for every member in ascending order until fn returns false.
func (s *docset) each(fn func(d uint32) bool) {
	if s.bits == nil {
		for _, d := range s.ids {
			if !fn(d) {
				return
			}
		}
		return
	}
	for i, w := range s.bits {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			if !fn(uint32(i<<6 + t)) {
				return
			}
			w &= w - 1
		}
	}
}

// toBits returns the members as a bitmap of at least words words.
func (s *docset) toBits(words int) []uint64 {
	out := make([]uint64, max(words, len(s.bits)))
	if s.bits != nil {
		copy(out, s.bits)
		return out
	}
	for _, d := range s.ids {
		out = growBits(out, d)
		out[d>>6] |= 1 << (d & 63)
	}
	return out
}

// growBits makes sure words covers doc d.
func growBits(words []uint64, d uint32) []uint64 {
	if need := int(d>>6) + 1; need > len(words) {
		words = append(words, make([]uint64, need-len(words))...)
	}
	return words
}

// and returns the intersection of a and b.
func and(a, b *docset) *docset {
	if a == b {
		return a
	}
	if a, b = sparseFirst(a, b); a.n == 0 || b.n == 0 {
		return emptySet
	}
	if !a.dense() {
		out := make([]uint32, 0, min(a.n, b.n))
		for _, d := range a.ids {
			if b.has(d) {
				out = append(out, d)
			}
		}
		return idSet(out)
	}
	words := make([]uint64, min(len(a.bits), len(b.bits)))
	for i := range words {
		words[i] = a.bits[i] & b.bits[i]
	}
	return bitSet(words)
}

// sparseFirst orders two sets so that the first is an id list if either
// is, the smaller one if both are.
func sparseFirst(a, b *docset) (*docset, *docset) {
	switch {
	case a.dense() && !b.dense():
		return b, a
	case !a.dense() && !b.dense() && a.n > b.n:
		return b, a
	}
	return a, b
}

// or returns the union of a and b.
func or(a, b *docset) *docset {
	switch {
	case a.n == 0:
		return b
	case b.n == 0:
		return a
	case !a.dense() && !b.dense():
		return idSet(mergeIDs(a.ids, b.ids))
	}
	if !a.dense() {
		a, b = b, a
	}
	words := slices.Clone(a.bits)
	if b.dense() {
		if len(b.bits) > len(words) {
			words = append(words, make([]uint64, len(b.bits)-len(words))...)
		}
		for i, w := range b.bits {
			words[i] |= w
		}
		return bitSet(words)
	}
	for _, d := range b.ids {
		words = growBits(words, d)
		words[d>>6] |= 1 << (d & 63)
	}
	return bitSet(words)
}

// andNot returns the members of a that are not in b.
func andNot(a, b *docset) *docset {
	if b.n == 0 || a.n == 0 {
		return a
	}
	if !a.dense() {
		out := make([]uint32, 0, a.n)
		for _, d := range a.ids {
			if !b.has(d) {
				out = append(out, d)
			}
		}
		return idSet(out)
	}
	words := slices.Clone(a.bits)
	if b.dense() {
		for i := range min(len(words), len(b.bits)) {
			words[i] &^= b.bits[i]
		}
		return bitSet(words)
	}
	for _, d := range b.ids {
		if w := int(d >> 6); w < len(words) {
			words[w] &^= 1 << (d & 63)
		}
	}
	return bitSet(words)
}

// andCount returns the size of the intersection without building it.
func andCount(a, b *docset) int {
	a, b = sparseFirst(a, b)
	n := 0
	if !a.dense() {
		for _, d := range a.ids {
			if b.has(d) {
				n++
			}
		}
		return n
	}
	for i := range min(len(a.bits), len(b.bits)) {
		n += bits.OnesCount64(a.bits[i] & b.bits[i])
	}
	return n
}

// mergeIDs returns the sorted union of two sorted id lists.
func mergeIDs(a, b []uint32) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
