package query

// hashIndex is an open-addressing hash table (linear probing, backward-shift
// deletion) from a 32-bit hash to 32-bit ids. It stores no keys: callers
// confirm a candidate id with an equality callback. Each slot is one uint64
// (hash<<32 | id+1; 0 marks an empty slot), so the table costs 8 bytes per
// slot, holds no pointers for the garbage collector to scan, and rehashes
// without recomputing hashes.
type hashIndex struct {
	slots []uint64
	n     int
}

// find returns the id stored under hash for which eq reports true.
func (h *hashIndex) find(hash uint32, eq func(id uint32) bool) (uint32, bool) {
	if len(h.slots) == 0 {
		return 0, false
	}
	mask := uint32(len(h.slots) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		s := h.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == hash && eq(uint32(s)-1) {
			return uint32(s) - 1, true
		}
	}
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
	mask := uint32(len(h.slots) - 1)
	i := uint32(s>>32) & mask
	for h.slots[i] != 0 {
		i = (i + 1) & mask
	}
	h.slots[i] = s
}

func (h *hashIndex) grow() {
	old := h.slots
	size := 16
	if len(old) > 0 {
		size = len(old) * 2
	}
	h.slots = make([]uint64, size)
	for _, s := range old {
		if s != 0 {
			h.place(s)
		}
	}
}

// remove deletes id stored under hash, if present.
func (h *hashIndex) remove(hash, id uint32) {
	if len(h.slots) == 0 {
		return
	}
	want := uint64(hash)<<32 | (uint64(id) + 1)
	mask := uint32(len(h.slots) - 1)
	i := hash & mask
	for h.slots[i] != want {
		if h.slots[i] == 0 {
			return
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion: pull later members of the probe run into the
	// hole unless that would move them before their home slot.
	for j := i; ; {
		j = (j + 1) & mask
		s := h.slots[j]
		if s == 0 {
			break
		}
		home := uint32(s>>32) & mask
		if (i <= j && i < home && home <= j) || (i > j && (i < home || home <= j)) {
			continue
		}
		h.slots[i] = s
		i = j
	}
	h.slots[i] = 0
	h.n--
}
