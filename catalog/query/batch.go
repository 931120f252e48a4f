package query

import "slices"

// This file holds the write path's deferred work. A write (Upsert, a chunk
// of UpsertBatch, Remove) applies removals at once but only queues
// additions: the posting pairs of new and changed docs and their new view
// entries. At the end of the write flush applies them: the additions are
// grouped by posting pair, so a pair shared by many docs of the chunk is
// looked up once and takes its new members as one sorted run, and each view
// sorts its new entries and merges them in one pass. Readers never see
// queued work, because flush runs before the write lock is released.
//
// Additions are confirmed against the doc's rows when they are applied, so a
// doc must not change while its additions are queued: touch flushes before a
// doc that already has queued work is changed or removed again.

// batchChunk is the most docs UpsertBatch applies under one acquisition of
// the write lock: about 1 ms of work in an index of 100,000 entities, which
// is how long a read may wait during ingestion. Chunks of 128 save 2-3%,
// chunks of 32 cost 5% more.
const batchChunk = 64

// batch is the queued work of the current write.
type batch struct {
	adds    []pendAdd // posting additions, in arrival order
	touched []uint32  // docs added, changed or removed since the last flush
	mark    []uint64  // bit d set: d is in touched
	views   []*view   // views with queued entries
	texts   []uint32  // keys whose text column lost values
	// scratch
	slots []int32  // hash table grouping adds by pair
	heads []uint32 // first add of each pair
	run   []uint32 // docs of one pair
	pairs []uint64 // pairs of one doc
}

// pendAdd is a queued posting addition: doc gets the pair. next links the
// additions of one pair while they are grouped.
type pendAdd struct {
	pair uint64
	doc  uint32
	next int32
}

// touch records that doc d is about to be added, changed or removed,
// flushing first when d already has queued work.
func (ix *Index) touch(d uint32) {
	b := &ix.batch
	if w := int(d >> 6); w < len(b.mark) && b.mark[w]&(1<<(d&63)) != 0 {
		ix.flush()
	}
	b.mark = growBits(b.mark, d)
	b.mark[d>>6] |= 1 << (d & 63)
	b.touched = append(b.touched, d)
}

// queuePairs queues the addition of doc d to the postings of pairs.
func (ix *Index) queuePairs(pairs []uint64, d uint32) {
	for _, p := range pairs {
		ix.batch.adds = append(ix.batch.adds, pendAdd{pair: p, doc: d})
	}
}

// queueRows queues the addition of doc d to the postings of its rows.
func (ix *Index) queueRows(rows []row, d uint32) {
	b := &ix.batch
	b.pairs = appendPairs(b.pairs[:0], rows)
	ix.queuePairs(b.pairs, d)
}

// flush applies the queued work. The caller holds the write lock.
func (ix *Index) flush() {
	b := &ix.batch
	ix.applyAdds()
	for _, v := range b.views {
		ix.viewFlush(v)
	}
	for _, k := range b.texts {
		ix.textCompact(k)
	}
	for _, d := range b.touched {
		b.mark[d>>6] &^= 1 << (d & 63)
	}
	b.touched, b.views, b.texts = b.touched[:0], b.views[:0], b.texts[:0]
	if cap(b.adds) > 1<<16 {
		// Keep the buffers of ordinary writes, not those of huge docs.
		*b = batch{mark: b.mark}
	}
}

// applyAdds applies the queued posting additions. The additions of a single
// doc have distinct pairs and go straight in; those of several docs are
// grouped by pair with a small hash table, so that each pair is looked up
// once and its new docs are merged in as one run.
func (ix *Index) applyAdds() {
	b := &ix.batch
	adds := b.adds
	if len(adds) == 0 {
		return
	}
	universe := len(ix.docs)
	if len(b.touched) <= 1 {
		for _, a := range adds {
			ix.addRun(a.pair, []uint32{a.doc}, universe)
		}
		b.adds = adds[:0]
		return
	}
	size := 64
	for size < 2*len(adds) {
		size *= 2
	}
	if cap(b.slots) < size {
		b.slots = make([]int32, size)
	}
	slots := b.slots[:size]
	clear(slots)
	mask := uint32(size - 1)
	// A slot holds the last addition (plus one) of its pair seen so far;
	// each addition links to the next one of its pair.
	heads := b.heads[:0]
	for i := range adds {
		a := &adds[i]
		a.next = -1
		h := pairHash(uint32(a.pair>>32), uint32(a.pair)) & mask
		for {
			s := slots[h]
			if s == 0 {
				heads = append(heads, uint32(i))
				slots[h] = int32(i) + 1
				break
			}
			if adds[s-1].pair == a.pair {
				adds[s-1].next = int32(i)
				slots[h] = int32(i) + 1
				break
			}
			h = (h + 1) & mask
		}
	}
	run := b.run
	for _, h := range heads {
		run = run[:0]
		sorted := true
		for i := int32(h); i >= 0; i = adds[i].next {
			d := adds[i].doc
			if n := len(run); n > 0 && run[n-1] >= d {
				sorted = false
			}
			run = append(run, d)
		}
		if !sorted {
			slices.Sort(run)
			run = slices.Compact(run)
		}
		ix.addRun(adds[h].pair, run, universe)
	}
	b.heads, b.run, b.adds = heads, run, adds[:0]
}

// addRun adds the docs of run, sorted and distinct, to the posting of pair
// p. A value new to its key goes into the key's text column.
func (ix *Index) addRun(p uint64, run []uint32, universe int) {
	k, v := uint32(p>>32), uint32(p)
	if ix.post.addRun(k, v, run, universe) && v < nullVal {
		ix.textValueAdded(k, v)
	}
}
