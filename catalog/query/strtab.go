package query

import (
	"hash/maphash"
	"unsafe"
)

// strChunkSize is the size of one arena chunk of the string table.
const strChunkSize = 1 << 20

// strtab interns strings: every distinct key and value of the index is stored
// once and named by a uint32 id. The bytes live in append-only 1 MiB chunks
// and the lookup table is a hashIndex, so the whole table holds a handful of
// pointers however many strings it keeps, and the garbage collector does not
// have to scan it. Ids are reference counted; a string whose count drops to
// zero is forgotten and its id reused. Its bytes become garbage that compact
// reclaims once there is enough of it.
//
// Bytes already written are never modified, so strings handed out by str stay
// valid (and unchanged) for as long as the caller holds them.
type strtab struct {
	seed   maphash.Seed
	idx    hashIndex
	chunks [][]byte
	locs   []strLoc
	refs   []uint32 // 0: the id is free
	free   []uint32
	live   int // bytes of referenced strings
	dead   int // bytes of forgotten strings still in the arena
}

// strLoc is where a string's bytes are.
type strLoc struct {
	chunk, off, len uint32
}

func newStrtab() *strtab {
	return &strtab{seed: maphash.MakeSeed()}
}

func (t *strtab) hash(s string) uint32 {
	h := maphash.String(t.seed, s)
	return uint32(h) ^ uint32(h>>32)
}

// str returns the string with the given id.
func (t *strtab) str(id uint32) string {
	l := t.locs[id]
	if l.len == 0 {
		return ""
	}
	return unsafe.String(&t.chunks[l.chunk][l.off], int(l.len))
}

// lookup returns the id of s without taking a reference.
func (t *strtab) lookup(s string) (uint32, bool) {
	return t.idx.find(t.hash(s), func(id uint32) bool { return t.str(id) == s })
}

// intern returns the id of s and takes a reference to it.
func (t *strtab) intern(s string) uint32 {
	h := t.hash(s)
	if id, ok := t.idx.find(h, func(id uint32) bool { return t.str(id) == s }); ok {
		t.refs[id]++
		return id
	}
	var id uint32
	if n := len(t.free); n > 0 {
		id, t.free = t.free[n-1], t.free[:n-1]
	} else {
		id = uint32(len(t.locs))
		t.locs = append(t.locs, strLoc{})
		t.refs = append(t.refs, 0)
	}
	t.locs[id] = t.store(s)
	t.refs[id] = 1
	t.live += len(s)
	t.idx.insert(h, id)
	return id
}

// retain takes one more reference to id.
func (t *strtab) retain(id uint32) { t.refs[id]++ }

// release drops a reference to id, forgetting the string with the last one.
func (t *strtab) release(id uint32) {
	t.refs[id]--
	if t.refs[id] > 0 {
		return
	}
	s := t.str(id)
	t.idx.remove(t.hash(s), id)
	t.live -= len(s)
	t.dead += len(s)
	t.locs[id] = strLoc{}
	t.free = append(t.free, id)
	if t.dead > 4*strChunkSize && t.dead > t.live {
		t.compact()
	}
}

// store copies s into the arena.
func (t *strtab) store(s string) strLoc {
	if len(s) == 0 {
		return strLoc{}
	}
	n := len(t.chunks)
	if n == 0 || len(t.chunks[n-1])+len(s) > cap(t.chunks[n-1]) {
		t.chunks = append(t.chunks, make([]byte, 0, max(strChunkSize, len(s))))
		n++
	}
	c := t.chunks[n-1]
	off := len(c)
	t.chunks[n-1] = append(c, s...)
	return strLoc{chunk: uint32(n - 1), off: uint32(off), len: uint32(len(s))}
}

// compact copies the live strings into fresh chunks. Old chunks stay alive
// only while someone still holds a string from them.
func (t *strtab) compact() {
	old := t.chunks
	t.chunks = nil
	for id, l := range t.locs {
		if t.refs[id] > 0 && l.len > 0 {
			src := unsafe.String(&old[l.chunk][l.off], int(l.len))
			t.locs[id] = t.store(src)
		}
	}
	t.dead = 0
}

// len returns the number of strings held.
func (t *strtab) len() int { return len(t.locs) - len(t.free) }

// bytes returns the arena size, for memory reports.
func (t *strtab) bytes() int {
	n := 0
	for _, c := range t.chunks {
		n += cap(c)
	}
	return n + cap(t.locs)*12 + cap(t.refs)*4 + len(t.idx.slots)*8
}
