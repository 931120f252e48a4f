package processing

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/catalog/store"
)

// bulk processes the new children of a large location while they are
// read again to be written (see bodies). A location with more than
// lightAfter children is read twice: once to learn its children, and once,
// a transaction at a time, as they are stored. On that second read each
// new child that is not a Location is processed on the parse workers, as
// processOne would process it once stored, and is stored already processed
// (store.Prepared). Each row is then written once, instead of being
// stored, claimed, read back and written again: at 100,000 entities that
// was most of what held SQLite's write lock.
//
// Each processed child is stitched there too, with its own relations
// (Prepared.Final): it is stored with its final entity, visible as soon as
// its transaction commits, instead of waiting for the stitcher, which
// could take few turns between the writes of 100,000 children. Those that
// other entities' relations name are stitched again (writePrepared).
//
// A child that already exists, changed or not, takes the usual way, and
// so does one whose owner could not be looked up.
type bulk struct {
	e   *Engine
	ctx context.Context
	// children are the location's children: true for those not stored
	// when the location was processed.
	children map[string]bool
	mu       sync.Mutex
	others   map[string]bool // other refs looked up: whether they exist
	rows     sync.Map        // uid -> []query.Row of a final not yet written
}

func (e *Engine) newBulk(ctx context.Context, o *outcome) *bulk {
	return &bulk{e: e, ctx: ctx, children: o.fresh, others: map[string]bool{}}
}

// prepare processes c if it is new, and sets c.Prepared; ent is c.Entity
// decoded, which it changes.
func (b *bulk) prepare(c *store.Deferred, ent model.Entity) {
	if !b.children[c.Ref] || strings.HasPrefix(c.Ref, "location:") {
		return
	}
	o := b.e.processDecoded(b.ctx, store.Claimed{EntityRef: c.Ref, Unprocessed: c.Entity}, ent, false)
	if !o.fatal() {
		for _, r := range o.relations {
			if r.Type != "ownedBy" {
				continue
			}
			if _, err := b.exists(r.Target); err != nil {
				return
			}
		}
		o.checkOwners(func(ref string) bool {
			ok, _ := b.exists(ref)
			return ok
		})
	}
	r, _ := b.e.result(b.ctx, o)
	p := &store.Prepared{Result: r, Due: b.e.nextUpdate(time.Now())}
	if r.Processed != nil {
		p.Result.EntityID = store.NewEntityID()
		in := store.StitchInput{EntityID: p.Result.EntityID, Ref: c.Ref, Processed: r.Processed, Errors: r.Errors}
		for _, rel := range r.Relations {
			if rel.Source == c.Ref {
				in.Relations = append(in.Relations, model.Relation{Type: rel.Type, TargetRef: rel.Target})
			}
		}
		// The processed entity is o's, encoded as r.Processed.
		if f, err := b.e.stitchEntity(in, o.entity); err == nil {
			p.Final = &f.Final
			b.rows.Store(in.EntityID, f.Rows)
		}
	}
	c.Prepared = p
}

// written hands the finals of children stored stitched to OnStitched.
func (b *bulk) written(finals []store.Final, seqs []int64) {
	out := make([]Stitched, len(finals))
	for i, f := range finals {
		rows, _ := b.rows.LoadAndDelete(f.EntityID)
		out[i] = Stitched{Final: f, Seq: seqs[i]}
		out[i].Rows, _ = rows.([]query.Row)
	}
	if b.e.opts.OnStitched != nil {
		b.e.opts.OnStitched(out)
	}
}

// exists reports whether an entity ref exists: one of the location's
// children, or stored.
func (b *bulk) exists(ref string) (bool, error) {
	if _, ok := b.children[ref]; ok {
		return true, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok, seen := b.others[ref]; seen {
		return ok, nil
	}
	known, err := b.e.store.LookupRefs(b.ctx, []string{ref})
	if err != nil {
		return false, err
	}
	_, ok := known[ref]
	b.others[ref] = ok
	return ok, nil
}
