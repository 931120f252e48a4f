package processing

import (
	"context"
	"sync"
	"sync/atomic"
)

// writerQueue is how many prepared batches may wait for the writer. When
// it falls behind, the waiting batches are written together, in one
// transaction: a commit costs about the index pages its rows dirty, and
// rows whose keys are spread over an index (the relations' sources) dirty
// nearly every leaf whether a transaction holds 500 entities or 2,000.
const writerQueue = 3

// writer writes prepared batches on a goroutine of its own, while the next
// batches are claimed and validated. submit waits while writerQueue
// batches are already waiting.
type writer struct {
	e        *Engine
	in       chan *batch
	inFlight sync.WaitGroup
	pending  atomic.Int32 // batches submitted and not yet written
	written  atomic.Int64 // batches written, counted before pending drops
	done     chan struct{}
}

func (e *Engine) startWriter(ctx context.Context) *writer {
	w := &writer{e: e, in: make(chan *batch, writerQueue), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for b := range w.in {
			b, n := w.gather(b)
			if _, err := e.write(ctx, b); err != nil && ctx.Err() == nil {
				e.log.Error("write processed entities", "err", err)
			}
			w.written.Add(int64(n))
			w.pending.Add(-int32(n))
			for range n {
				w.inFlight.Done()
			}
		}
	}()
	return w
}

// gather adds the batches already waiting to b and returns how many it
// now holds.
func (w *writer) gather(b *batch) (*batch, int) {
	n := 1
	for {
		select {
		case next, ok := <-w.in:
			if !ok {
				return b, n
			}
			b = b.merge(next)
			n++
		default:
			return b, n
		}
	}
}

// merge appends next to b. The merged batch is full only when both were:
// one that is not ends the flow of a large catalog (see write).
func (b *batch) merge(next *batch) *batch {
	return &batch{
		now:     next.now,
		claimed: append(b.claimed, next.claimed...),
		results: append(b.results, next.results...),
		full:    b.full && next.full,
	}
}

// submit hands a batch to the writer. When ctx ends first, the batch's
// claims are given back instead.
func (w *writer) submit(ctx context.Context, b *batch) {
	w.inFlight.Add(1)
	w.pending.Add(1)
	select {
	case w.in <- b:
	case <-ctx.Done():
		w.pending.Add(-1)
		w.inFlight.Done()
		w.e.releaseOnStop(ctx, b)
	}
}

// busy reports whether a submitted batch is still to be written.
func (w *writer) busy() bool { return w.pending.Load() > 0 }

// wait returns once every submitted batch has been written.
func (w *writer) wait() { w.inFlight.Wait() }

// stop waits for the batches submitted and ends the writer.
func (w *writer) stop() {
	close(w.in)
	<-w.done
}
