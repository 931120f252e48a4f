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

// strLoc is where a string's bytes are: chunk<<40 | offset<<20 | length. A
// string of strChunkSize bytes or more gets a chunk of its own and the
// length wholeChunk.
type strLoc uint64

const wholeChunk = 1<<20 - 1

func makeLoc(chunk, off, n int) strLoc {
	if n >= wholeChunk {
		n = wholeChunk
	}
	return strLoc(uint64(chunk)<<40 | uint64(off)<<20 | uint64(n))
}

func (l strLoc) chunk() int { return int(l >> 40) }
func (l strLoc) off() int   { return int(l>>20) & wholeChunk }
func (l strLoc) len() int   { return int(l) & wholeChunk }

func newStrtab() *strtab {
	return &strtab{seed: maphash.MakeSeed()}
}

func (t *strtab) hash(s string) uint32 {
	h := maphash.String(t.seed, s)
	return uint32(h) ^ uint32(h>>32)
}

// str returns the string with the given id.
func (t *strtab) str(id uint32) string {
	return t.at(t.chunks, t.locs[id])
}

func (t *strtab) at(chunks [][]byte, l strLoc) string {
	switch n := l.len(); n {
	case 0:
		return ""
	case wholeChunk:
		c := chunks[l.chunk()]
		return unsafe.String(&c[0], len(c))
	default:
		return unsafe.String(&chunks[l.chunk()][l.off()], n)
	}
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
		t.locs = append(t.locs, 0)
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
	t.locs[id] = 0
	t.free = append(t.free, id)
	if t.dead > 4*strChunkSize && t.dead > t.live {
		t.compact()
	}
}

// store copies s into the arena. A string too long for a chunk gets a chunk
// of its own; the next short string then starts a fresh chunk.
func (t *strtab) store(s string) strLoc {
	switch {
	case len(s) == 0:
		return 0
	case len(s) >= wholeChunk:
		c := make([]byte, len(s)) // len == cap: nothing is appended after it
		copy(c, s)
		t.chunks = append(t.chunks, c)
		return makeLoc(len(t.chunks)-1, 0, len(s))
	}
	n := len(t.chunks)
	if n == 0 || len(t.chunks[n-1])+len(s) > cap(t.chunks[n-1]) {
		t.chunks = append(t.chunks, make([]byte, 0, strChunkSize))
		n++
	}
	c := t.chunks[n-1]
	off := len(c)
	t.chunks[n-1] = append(c, s...)
	return makeLoc(n-1, off, len(s))
}

// compact copies the live strings into fresh chunks. Old chunks stay alive
// only while someone still holds a string from them.
func (t *strtab) compact() {
	old := t.chunks
	t.chunks = nil
	for id, l := range t.locs {
		if t.refs[id] > 0 && l.len() > 0 {
			t.locs[id] = t.store(t.at(old, l))
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
	return n + cap(t.locs)*8 + cap(t.refs)*4 + len(t.idx.slots)*8
}
