package query

// hashIndex is an open-addressing hash table (linear probing, backward-shift
// deletion) from a 32-bit hash to 32-bit ids. It stores no keys: callers
// confirm a candidate with an equality callback. Each slot is one uint64
// (hash<<32 | id+1; 0 marks an empty slot), so the table costs 8 bytes per
// slot, holds no pointers for the garbage collector to scan, and rehashes
// without recomputing hashes. Slots are addressed by multiplying the hash
// with the table size (Lemire's fastrange), which lets the table grow by
// half rather than double and keeps the load between 1/2 and 3/4.
type hashIndex struct {
	slots []uint64
	n     int
}

func (h *hashIndex) home(hash uint32) int {
	return int(uint64(hash) * uint64(len(h.slots)) >> 32)
}

func (h *hashIndex) next(i int) int {
	if i++; i == len(h.slots) {
		return 0
	}
	return i
}

// slot returns the position of the id stored under hash for which eq
// reports true, or -1.
func (h *hashIndex) slot(hash uint32, eq func(id uint32) bool) int {
	if len(h.slots) == 0 {
		return -1
	}
	for i := h.home(hash); ; i = h.next(i) {
		s := h.slots[i]
		if s == 0 {
			return -1
		}
		if uint32(s>>32) == hash && eq(uint32(s)-1) {
			return i
		}
	}
}

// find returns the id stored under hash for which eq reports true.
func (h *hashIndex) find(hash uint32, eq func(id uint32) bool) (uint32, bool) {
	i := h.slot(hash, eq)
	if i < 0 {
		return 0, false
	}
	return uint32(h.slots[i]) - 1, true
}

// set replaces the id at a position returned by slot.
func (h *hashIndex) set(i int, id uint32) {
	h.slots[i] = h.slots[i]&^0xFFFFFFFF | (uint64(id) + 1)
}

// insert adds id under hash. The caller guarantees it is not present.
func (h *hashIndex) insert(hash, id uint32) {
	if (h.n+1)*4 > len(h.slots)*3 {
		h.grow()
	}
	h.place(uint64(hash)<<32 | (uint64(id) + 1))
	h.n++
}

func (h *hashIndex) place(s uint64) {
	i := h.home(uint32(s >> 32))
	for h.slots[i] != 0 {
		i = h.next(i)
	}
	h.slots[i] = s
}

func (h *hashIndex) grow() {
	old := h.slots
	h.slots = make([]uint64, max(16, len(old)*3/2))
	for _, s := range old {
		if s != 0 {
			h.place(s)
		}
	}
}

// removeAt deletes the entry at position i (from slot).
func (h *hashIndex) removeAt(i int) {
	// Backward-shift deletion: pull later members of the probe run into the
	// hole unless that would move them before their home slot.
	for j := i; ; {
		j = h.next(j)
		s := h.slots[j]
		if s == 0 {
			break
		}
		home := h.home(uint32(s >> 32))
		if (i <= j && i < home && home <= j) || (i > j && (i < home || home <= j)) {
			continue
		}
		h.slots[i] = s
		i = j
	}
	h.slots[i] = 0
	h.n--
}

// remove deletes id stored under hash, if present.
func (h *hashIndex) remove(hash, id uint32) {
	if i := h.slot(hash, func(x uint32) bool { return x == id }); i >= 0 {
		h.removeAt(i)
	}
}
