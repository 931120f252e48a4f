package processing

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/memtrim"
)

// Stitched is a final entity as committed, with its search rows for the
// in-memory index and the change number it was stored under.
type Stitched struct {
	Final store.Final
	Rows  []query.Row
	Seq   int64
}

// stitchLease is how long a stitcher may hold an entity before another
// replica takes it over.
const stitchLease = 60 * time.Second

// StitchDue stitches one batch of entities that are marked, including the
// restitches that WriteResults held back, and returns its size.
func (e *Engine) StitchDue(ctx context.Context) (int, error) {
	return e.stitchDue(ctx, -restitchHold)
}

// stitchDue stitches entities whose mark is at least debounce old; a
// negative debounce takes marks that many seconds in the future too. While
// a full batch is stitched and written, the next is claimed and read, so
// the database's reads overlap the stitching and the write.
func (e *Engine) stitchDue(ctx context.Context, debounce time.Duration) (int, error) {
	claim := func() ([]store.StitchInput, error) {
		return e.store.ClaimStitch(ctx, time.Now(), debounce, stitchLease, batchSize)
	}
	inputs, err := claim()
	total := 0
	for err == nil && len(inputs) > 0 {
		var next chan claimed
		if len(inputs) == batchSize {
			next = make(chan claimed, 1)
			go func() {
				in, err := claim()
				next <- claimed{in, err}
			}()
		}
		if err = e.stitchBatch(ctx, inputs); err != nil {
			if next != nil {
				e.releaseStitch(<-next)
			}
			return total, err
		}
		total += len(inputs)
		if next == nil {
			break
		}
		r := <-next
		inputs, err = r.inputs, r.err
	}
	return total, err
}

// claimed is what a stitch claim returned.
type claimed struct {
	inputs []store.StitchInput
	err    error
}

// releaseStitch gives back the leases of a claim that will not be
// stitched, so they are stitched again at once.
func (e *Engine) releaseStitch(c claimed) {
	if c.err != nil || len(c.inputs) == 0 {
		return
	}
	ids := make([]string, len(c.inputs))
	for i, in := range c.inputs {
		ids[i] = in.EntityID
	}
	e.release("stitch leases", func(ctx context.Context) error { return e.store.ReleaseStitch(ctx, ids, c.inputs[0].Lease) })
}

// stitchBatch stitches and writes claimed inputs.
func (e *Engine) stitchBatch(ctx context.Context, inputs []store.StitchInput) error {
	stitched := make([]*Stitched, len(inputs))
	inParallel(len(inputs), func(i int) {
		in := inputs[i]
		if in.Processed == nil {
			return // never processed successfully: not visible
		}
		f, err := e.stitch(in)
		if err != nil {
			e.log.Warn("stitch entity", "entity_ref", in.Ref, "err", err)
			return
		}
		if f.Final.Hash != in.PrevHash {
			stitched[i] = &f
		}
	})
	var finals []Stitched
	for _, f := range stitched {
		if f != nil {
			finals = append(finals, *f)
		}
	}
	stored := make([]store.Final, len(finals))
	for i, f := range finals {
		stored[i] = f.Final
	}
	seqs, err := e.store.WriteFinals(ctx, stored, inputs)
	memtrim.Trim()
	if err != nil {
		if ctx.Err() != nil {
			e.releaseStitch(claimed{inputs: inputs})
		}
		return err
	}
	for i := range finals {
		finals[i].Seq = seqs[i]
	}
	if e.opts.OnStitched != nil && len(finals) > 0 {
		e.opts.OnStitched(finals)
	}
	return nil
}

// stitch builds the final entity: the processed entity plus its relations,
// its processing errors as status items, the orphan mark, uid and etag.
func (e *Engine) stitch(in store.StitchInput) (Stitched, error) {
	var ent model.Entity
	if err := json.Unmarshal(in.Processed, &ent); err != nil {
		return Stitched{}, err
	}
	return e.stitchEntity(in, ent)
}

// stitchEntity is stitch, with in.Processed already decoded into ent,
// which it changes.
func (e *Engine) stitchEntity(in store.StitchInput, ent model.Entity) (Stitched, error) {
	rels := model.SortRelations(in.Relations)
	relList := make([]any, len(rels))
	var owners []string
	for i, r := range rels {
		relList[i] = map[string]any{"type": r.Type, "targetRef": r.TargetRef}
		if r.Type == "ownedBy" {
			owners = append(owners, r.TargetRef)
		}
	}
	ent["relations"] = relList
	hasErrors := addStatus(ent, in.Errors)
	if in.Orphan && e.opts.OrphanStrategy == "keep" {
		ent.SetAnnotation(model.AnnotationOrphan, "true")
	}
	for _, k := range []string{model.AnnotationViewURL, model.AnnotationEditURL} {
		if v := ent.Annotation(k); strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "javascript:") {
			ent.SetAnnotation(k, "https://backstage.io/annotation-rejected-for-security-reasons")
		}
	}
	md := ent.Metadata()
	md["uid"] = in.EntityID
	delete(md, "etag")
	order := model.OrderOf(in.Processed)
	var hash string
	if err := model.WithOrdered(ent, order, func(b []byte) { hash = hashOf(b) }); err != nil {
		return Stitched{}, err
	}
	md["etag"] = hash
	body, err := model.MarshalOrdered(ent, order)
	if err != nil {
		return Stitched{}, err
	}
	rows, err := query.SearchRows(ent)
	if err != nil {
		return Stitched{}, err
	}
	return Stitched{Final: store.Final{
		EntityID: in.EntityID, Ref: in.Ref, JSON: body, Hash: hash,
		OwnerRefs: owners, HasErrors: hasErrors,
	}, Rows: rows}, nil
}

func addStatus(ent model.Entity, errorsJSON string) bool {
	if errorsJSON == "" {
		return false
	}
	var problems []Problem
	if err := json.Unmarshal([]byte(errorsJSON), &problems); err != nil || len(problems) == 0 {
		return false
	}
	items := make([]any, len(problems))
	for i, p := range problems {
		items[i] = map[string]any{
			"type":    model.StatusProcessingError,
			"level":   "error",
			"message": p.Name + ": " + p.Message,
			"error":   map[string]any{"name": p.Name, "message": p.Message},
		}
	}
	ent["status"] = map[string]any{"items": items}
	return true
}
