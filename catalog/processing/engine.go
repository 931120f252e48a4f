// Package processing is the catalog engine: it claims entities that are
// due, validates them against the CUE schemas, emits relations and the
// children of Locations, writes the results (skipping those whose hash did
// not change), stitches final entities and deletes orphans.
package processing

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/memtrim"
	"github.com/stackyard/stackyard/schemas"
)

// Options configures an Engine.
type Options struct {
	Interval       time.Duration // how often every entity is reprocessed
	OrphanStrategy string        // delete or keep
	Rules          Rules
	Readers        map[string]Reader
	// OnStitched is called after final entities were committed.
	OnStitched func(finals []Stitched)
	// OnDeleted is called with the uids of deleted orphans.
	OnDeleted func(uids []string)
	// OnIdle is called after a pass in which nothing was due any more.
	OnIdle func()
}

// Engine processes and stitches the catalog.
type Engine struct {
	store     *store.Store
	validator *schemas.Validator
	readers   map[string]Reader
	rules     Rules
	opts      Options
	log       *slog.Logger
	wake      chan struct{}
	valid     *validCache
	// holding is set while restitches are held back (restitchHold).
	holding atomic.Bool
}

// New returns an engine; Run starts it.
func New(st *store.Store, v *schemas.Validator, opts Options, log *slog.Logger) *Engine {
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Second
	}
	return &Engine{store: st, validator: v, readers: opts.Readers, rules: opts.Rules, opts: opts, log: log, wake: make(chan struct{}, 1), valid: newValidCache()}
}

// Wake makes the engine look for work now instead of at its next tick.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run processes until ctx is done. Three loops run: one claims and
// processes batches, one writes them, and one stitches. Validating a batch
// (CPU) then overlaps writing the one before it (the database), and both
// overlap stitching.
func (e *Engine) Run(ctx context.Context) {
	var stitchIdle atomic.Bool
	stitched := make(chan struct{})
	go func() {
		defer close(stitched)
		e.stitchLoop(ctx, &stitchIdle)
	}()
	defer func() { <-stitched }()
	w := e.startWriter(ctx)
	defer w.stop()
	var next *batch // claimed ahead
	defer func() {
		if next != nil {
			e.releaseOnStop(ctx, next)
		}
	}()
	lastOrphans := time.Time{}
	for ctx.Err() == nil {
		b := next
		next = nil
		written := w.written.Load() // before the claim: see below
		if b == nil {
			var err error
			if b, err = e.claim(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("claim entities", "err", err)
			}
		}
		if b != nil {
			if err := e.prepare(ctx, b); err != nil {
				if ctx.Err() == nil {
					e.log.Error("process entities", "err", err)
				}
				e.pause(ctx) // as after an idle pass: a failing database is not hammered
				continue
			}
			// Claim the next batch before handing this one over: a claim
			// waits for the write before it, and the writer would then
			// wait for this claim and the validation after it.
			var err error
			if next, err = e.claim(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("claim entities", "err", err)
			}
			w.submit(ctx, b)
			continue
		}
		if w.busy() || w.written.Load() != written {
			// A batch written during or after the claim may have made
			// more entities due (a location's children): look again once
			// it has landed.
			w.wait()
			continue
		}
		e.endHold(ctx, time.Now())
		if e.opts.OrphanStrategy != "keep" && time.Since(lastOrphans) > 2*time.Second {
			lastOrphans = time.Now()
			if n, err := e.deleteOrphans(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("delete orphans", "err", err)
			} else if n > 0 {
				e.log.Info("deleted orphaned entities", "count", n)
				continue
			}
		}
		if e.opts.OnIdle != nil && e.idleNow(ctx, &stitchIdle) {
			e.opts.OnIdle()
		}
		e.pause(ctx)
	}
}

// idleNow reports whether nothing is left to stitch, once processing found
// nothing due. The stitcher's flag alone could still be set from before
// the last write's marks, which it has not seen yet; those marks are in the
// database, and a mark the stitcher has leased since unset its flag first.
func (e *Engine) idleNow(ctx context.Context, stitchIdle *atomic.Bool) bool {
	pending, err := e.store.StitchPending(ctx, time.Now().Add(restitchHold))
	return err == nil && !pending && stitchIdle.Load()
}

// pause waits for a wake-up, at most half a second.
func (e *Engine) pause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-e.wake:
	case <-time.After(500 * time.Millisecond):
	}
}

// stitchDebounce is how long a stitch mark rests before it is taken. An
// entity that many batches point at (a group with many members) keeps being
// marked while a large location flows in, and is stitched once at the end
// instead of once per batch.
const stitchDebounce = 250 * time.Millisecond

func (e *Engine) stitchLoop(ctx context.Context, idle *atomic.Bool) {
	empty := 0
	for ctx.Err() == nil {
		// Not idle while a pass runs: the marks it leases no longer count
		// as pending (see idleNow).
		idle.Store(false)
		n, err := e.stitchDue(ctx, stitchDebounce)
		if err != nil && ctx.Err() == nil {
			e.log.Error("stitch entities", "err", err)
		}
		if n > 0 {
			empty = 0
			continue
		}
		if pending, err := e.store.StitchPending(ctx, time.Now().Add(restitchHold)); err == nil && pending {
			empty = 0 // delayed restitches are still to come
		} else {
			empty++
		}
		idle.Store(empty >= 2) // nothing due, even after a debounce interval
		select {
		case <-ctx.Done():
		case <-time.After(stitchDebounce):
		}
	}
}

// release gives back what a stopping engine claimed, on a context of its
// own: the engine's is done.
func (e *Engine) release(what string, fn func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fn(ctx); err != nil {
		e.log.Warn("release "+what+" on stop", "err", err)
	}
}

// batchSize is how many entities one pass claims.
const batchSize = 500

// restitchHold is how long the other ends of relations wait to be
// stitched again while full batches are processed, at most: when the flow
// ends (a batch that is not full), they are stitched at once. A group or
// API that components point at all through a large catalog is then
// stitched about once for the whole flow, instead of once per batch (or
// per few seconds) that pointed at it: at 100,000 entities, 157,000
// stitches instead of 198,000. Smaller changes restitch at once, as before.
const restitchHold = 30 * time.Second

// batch is one claimed batch of entities, processed and ready to write.
type batch struct {
	now     time.Time
	claimed []store.Claimed
	results []store.Result // only those whose hash changed
	// full is set when the claim took a whole batchSize: a large catalog
	// is flowing in, and the restitches it causes are held.
	full bool
}

// ProcessDue processes one batch of due entities and returns its size.
func (e *Engine) ProcessDue(ctx context.Context) (int, error) {
	b, err := e.claim(ctx)
	if err != nil || b == nil {
		if err == nil {
			e.endHold(ctx, time.Now())
		}
		return 0, err
	}
	if err := e.prepare(ctx, b); err != nil {
		return 0, err
	}
	return e.write(ctx, b)
}

// claim takes a batch of due entities; nil when nothing is due.
func (e *Engine) claim(ctx context.Context) (*batch, error) {
	now := time.Now()
	claimed, err := e.store.ClaimDue(ctx, now, e.nextUpdate(now), batchSize)
	if err != nil || len(claimed) == 0 {
		return nil, err
	}
	return &batch{now: now, claimed: claimed, full: len(claimed) == batchSize}, nil
}

// nextUpdate is when an entity processed at now is due again: after the
// processing interval and a random part of half of it, so a catalog
// ingested at once is not reprocessed at once.
func (e *Engine) nextUpdate(now time.Time) time.Time {
	jitter := time.Duration(rand.Int64N(int64(e.opts.Interval)/2 + 1))
	return now.Add(e.opts.Interval + jitter)
}

// prepare processes a claimed batch: validation, relations, the checks
// against the rest of the catalog, and the results to write.
func (e *Engine) prepare(ctx context.Context, b *batch) error {
	outcomes := make([]*outcome, len(b.claimed))
	inParallel(len(b.claimed), func(i int) { outcomes[i] = e.processOne(ctx, b.claimed[i]) })
	if err := e.checkCatalog(ctx, outcomes); err != nil {
		e.releaseOnStop(ctx, b)
		return err
	}
	for _, o := range outcomes {
		if r, changed := e.result(ctx, o); changed {
			b.results = append(b.results, r)
		}
	}
	return nil
}

// write stores a prepared batch and returns its size. A batch that is not
// full ends the flow of a large catalog, so the restitches held back
// until then are made due first.
func (e *Engine) write(ctx context.Context, b *batch) (int, error) {
	if !b.full {
		e.endHold(ctx, b.now)
	}
	if len(b.results) == 0 {
		return len(b.claimed), nil
	}
	var restitchAfter time.Duration
	if b.full || slices.ContainsFunc(b.results, func(r store.Result) bool { return r.Bodies != nil }) {
		// Full batches, or a large location whose new children are
		// stored processed (bulk): a large catalog is flowing in.
		restitchAfter = restitchHold
		e.holding.Store(true)
	}
	large := childCount(b.results) >= largeBatch // WriteResults lets go of them
	conflicts, err := e.store.WriteResults(ctx, b.results, restitchAfter)
	memtrim.Trim()
	if err != nil {
		e.releaseOnStop(ctx, b)
		return 0, err
	}
	count := len(b.claimed)
	if large {
		b.results, b.claimed = nil, nil // let the GC have them
		debug.FreeOSMemory()
	}
	if len(conflicts) > 0 {
		// Two locations in one batch emitted the same ref; the first write
		// won. Reprocess the losers now so the conflict shows up on them.
		parents := make([]string, 0, len(conflicts))
		for parent, refs := range conflicts {
			e.log.Warn("conflicting entity refs", "location", parent, "refs", refs)
			parents = append(parents, parent)
		}
		return count, e.store.ScheduleRefresh(ctx, parents)
	}
	return count, nil
}

// releaseOnStop gives back the claims of a batch that a stopping engine
// will not write, so another replica can take them at once. (A batch that
// failed for another reason is retried when its lease ends.)
func (e *Engine) releaseOnStop(ctx context.Context, b *batch) {
	if ctx.Err() == nil {
		return
	}
	ids := make([]string, len(b.claimed))
	for i, c := range b.claimed {
		ids[i] = c.EntityID
	}
	e.release("claims", func(ctx context.Context) error { return e.store.ReleaseClaims(ctx, ids) })
}

// inParallel calls fn(0) ... fn(n-1) on GOMAXPROCS goroutines and
// returns when all are done.
func inParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// endHold makes the restitches that full batches held back due now.
func (e *Engine) endHold(ctx context.Context, now time.Time) {
	if !e.holding.Swap(false) {
		return
	}
	if err := e.store.StitchHeldNow(ctx, now, now.Add(restitchHold)); err != nil {
		e.holding.Store(true)
		if ctx.Err() == nil {
			e.log.Error("stitch held entities", "err", err)
		}
	}
}

// result turns an outcome into a store result; changed is false when
// its hash equals the stored one, so nothing needs writing.
func (e *Engine) result(ctx context.Context, o *outcome) (store.Result, bool) {
	r := store.Result{EntityID: o.claimed.EntityID, Ref: o.claimed.EntityRef}
	var errJSON []byte
	if len(o.problems) > 0 {
		errJSON, _ = json.Marshal(o.problems)
		r.Errors = string(errJSON)
	}
	var processed, rels, kids []byte
	if !o.fatal() {
		processed, _ = model.MarshalOrdered(o.entity, o.order)
		rels, _ = json.Marshal(o.relations)
		r.Processed = processed
		r.Relations = o.relations
		r.Awaited = o.awaited
		r.Children = o.children
		if o.light {
			b := e.newBulk(ctx, o)
			r.Bodies, r.Written = e.bodies(ctx, o, b), b.written
		}
		r.ChildrenOK = o.isLoc
		for _, c := range o.children {
			kids = append(kids, c.Hash...)
		}
	}
	r.Hash = hashOf(processed, rels, kids, errJSON)
	return r, r.Hash != o.claimed.ResultHash
}

// Settle runs processing, stitching and orphan cleanup until nothing is due.
// Tests use it to reach a steady state without waiting for ticks.
func (e *Engine) Settle(ctx context.Context) error {
	for {
		p, err := e.ProcessDue(ctx)
		if err != nil {
			return err
		}
		if p > 0 {
			continue
		}
		s, err := e.StitchDue(ctx)
		if err != nil {
			return err
		}
		if s > 0 {
			continue
		}
		if e.opts.OrphanStrategy == "keep" {
			return nil
		}
		n, err := e.deleteOrphans(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

func (e *Engine) deleteOrphans(ctx context.Context) (int, error) {
	uids, err := e.store.DeleteOrphans(ctx)
	if len(uids) > 0 && e.opts.OnDeleted != nil {
		e.opts.OnDeleted(uids)
	}
	return len(uids), err
}

// largeBatch is how many children make a batch large enough that its
// transient memory is handed back to the OS at once, rather than kept by
// the runtime for the life of the process.
const largeBatch = 10000

func childCount(results []store.Result) int {
	n := 0
	for _, r := range results {
		n += len(r.Children)
	}
	return n
}
