package processing

import (
	"context"
	"sync"
	"sync/atomic"
)

// writer writes prepared batches one at a time on a goroutine of its own,
// while the next batch is claimed and validated. It holds at most one
// batch: submit waits until the one before has been taken.
type writer struct {
	e        *Engine
	in       chan *batch
	inFlight sync.WaitGroup
	pending  atomic.Int32 // batches submitted and not yet written
	written  atomic.Int64 // batches written, counted before pending drops
	done     chan struct{}
}

func (e *Engine) startWriter(ctx context.Context) *writer {
	w := &writer{e: e, in: make(chan *batch), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for b := range w.in {
			if _, err := e.write(ctx, b); err != nil && ctx.Err() == nil {
				e.log.Error("write processed entities", "err", err)
			}
			w.written.Add(1)
			w.pending.Add(-1)
			w.inFlight.Done()
		}
	}()
	return w
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

// stop waits for the batch being written and ends the writer.
func (w *writer) stop() {
	close(w.in)
	<-w.done
}
