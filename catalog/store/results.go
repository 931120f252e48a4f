package store

import (
	"context"
	"encoding/json"
	"iter"
	"slices"
	"strings"
	"time"
)

// RelationRow is one directed relation that an entity's processing emits.
type RelationRow struct {
	Source string
	Type   string
	Target string
}

// Result is the outcome of processing one entity.
type Result struct {
	EntityID string
	Ref      string
	// Processed is the processed entity JSON; nil when processing failed
	// and the last good version must stay.
	Processed []byte
	Relations []RelationRow
	// Children are the entities a Location emits; ChildrenOK is false when
	// reading failed, which keeps the previous children.
	Children   []Deferred
	ChildrenOK bool
	// Bodies, when set, yields the children again in order, each with its
	// Entity: a location with many children keeps only their refs and
	// hashes in Children, and their JSON is written a transaction at a
	// time as it is read again.
	Bodies iter.Seq[Deferred]
	// Written, when set, is told of the final entities of the children
	// stored stitched (Prepared.Final), with their change numbers, after
	// each transaction that committed some.
	Written func(finals []Final, seqs []int64)
	// Awaited are the refs the entity names that do not exist yet, such as
	// a dangling owner: when one appears, the entity is processed again.
	Awaited []string
	// Errors is the JSON array of processing errors, "" when there are none.
	Errors string
	Hash   string
}

// WriteResults stores a batch of processing results in one transaction
// (a location with more than childTx children writes them before it, a
// transaction at a time: see writeChildren), and marks every entity whose stitched form they change: the processed
// entities themselves at once, and the entities that only their relations
// touch (the other end of each relation) restitchAfter from now, unless
// they are already marked sooner. A delay lets a group that many batches
// point at be stitched once per delay rather than once per batch. It
// returns the child refs that another location already owns.
func (s *Store) WriteResults(ctx context.Context, results []Result, restitchAfter time.Duration) (conflicts map[string][]string, err error) {
	conflicts = map[string][]string{}
	// A location with many children writes them first, a transaction at
	// a time; the batch's transaction then only prunes its references.
	written := map[int][]string{}
	for i := range results {
		r := &results[i]
		if r.Processed == nil || !r.ChildrenOK || (len(r.Children) <= childTx && r.Bodies == nil) {
			continue
		}
		// The refs and hashes of 100,000 children go once writeChildren
		// has what it needs of them.
		items := r.Children
		r.Children = nil
		accepted, c, err := s.writeChildren(ctx, r.Ref, items, r.Bodies, r.Written, restitchAfter)
		if err != nil {
			return nil, err
		}
		if len(c) > 0 {
			conflicts[r.Ref] = c
		}
		written[i] = accepted
	}
	var publish []func() // Written calls, once committed
	err = s.InTx(ctx, func(tx *Store) error {
		now := time.Now()
		var ok []string
		stitch := []string{}
		var processed, failed [][]any
		for _, r := range results {
			stitch = append(stitch, r.Ref)
			if r.Processed != nil {
				ok = append(ok, r.EntityID)
				processed = append(processed, []any{r.EntityID, string(r.Processed), r.Hash, r.Errors, ownRelations(r)})
			} else {
				failed = append(failed, []any{r.EntityID, r.Hash, r.Errors})
			}
		}
		if err := tx.updateStates(ctx, processed, failed); err != nil {
			return err
		}
		related, err := tx.relationSources(ctx, ok)
		if err != nil {
			return err
		}
		if err := inLists(ok, func(chunk []string) error {
			return translate(tx.q(ctx).Exec("DELETE FROM relations WHERE originating_entity_id IN ?", chunk).Error)
		}); err != nil {
			return err
		}
		others, err := tx.insertRelations(ctx, results)
		if err != nil {
			return err
		}
		related = append(related, others...)
		if err := tx.replaceAwaited(ctx, ok, results, now); err != nil {
			return err
		}
		for i, r := range results {
			if r.Processed == nil || !r.ChildrenOK {
				continue
			}
			if accepted, ok := written[i]; ok {
				if err := tx.pruneReferences(ctx, r.Ref, accepted); err != nil {
					return err
				}
				continue
			}
			up, err := tx.upsertDeferred(ctx, r.Children, now)
			if err != nil {
				return err
			}
			if len(up.conflicts) > 0 {
				conflicts[r.Ref] = up.conflicts
			}
			if err := tx.replaceReferences(ctx, "", r.Ref, up.accepted); err != nil {
				return err
			}
			got, restitch, err := tx.writePrepared(ctx, up)
			if err != nil {
				return err
			}
			related = append(related, restitch...)
			if len(up.finals) > 0 && r.Written != nil {
				finals, fn := up.finals, r.Written
				publish = append(publish, func() { fn(finals, got) })
			}
		}
		if restitchAfter <= 0 {
			return tx.markStitch(ctx, append(stitch, related...), now)
		}
		if err := tx.markStitch(ctx, stitch, now); err != nil {
			return err
		}
		return tx.markStitchBy(ctx, related, now.Add(restitchAfter))
	})
	for _, fn := range publish {
		if err == nil {
			fn()
		}
	}
	return conflicts, err
}

// insertRelations stores the reverse halves of the relations of the
// processed results (those whose source is another entity), whose entities
// have none stored, and returns the refs at their other ends. An entity's
// own relations are stored with its row (ownRelations).
func (s *Store) insertRelations(ctx context.Context, results []Result) (related []string, err error) {
	var rels [][]any
	for _, r := range results {
		if r.Processed == nil {
			continue
		}
		for _, rel := range r.Relations {
			if rel.Source != r.Ref {
				related = append(related, rel.Source)
				rels = append(rels, []any{r.EntityID, rel.Source, rel.Type, rel.Target})
			}
		}
	}
	// In source order, the rows' inserts into the source index walk it
	// from one end to the other, each of its pages read once.
	slices.SortFunc(rels, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
	return related, s.insertRows(ctx, "INSERT INTO relations (originating_entity_id, source_entity_ref, type, target_entity_ref)", 4, rels)
}

// ownRelations is the refresh_state.relations of a result: its own
// relations (whose source is the entity) as a JSON array of [type,
// target] pairs, "" when it has none.
func ownRelations(r Result) string {
	var pairs [][2]string
	for _, rel := range r.Relations {
		if rel.Source == r.Ref {
			pairs = append(pairs, [2]string{rel.Type, rel.Target})
		}
	}
	if len(pairs) == 0 {
		return ""
	}
	b, _ := json.Marshal(pairs)
	return string(b)
}

// writePrepared stores the relations, awaited refs and finals of the rows
// that upsertDeferred inserted already processed. It returns the change
// numbers of the finals, in order, and the refs to stitch again: those at
// the other ends of the rows' relations, and the rows inserted stitched
// (Prepared.Final) that relations stored before them already name, such
// as a component that an earlier one depends on, since their finals have
// only their own relations.
func (s *Store) writePrepared(ctx context.Context, up upserted) (seqs []int64, restitch []string, err error) {
	if len(up.prepared) == 0 {
		return nil, nil, nil
	}
	now := time.Now()
	related, err := s.insertRelations(ctx, up.prepared)
	if err != nil {
		return nil, nil, err
	}
	// The rows are new: they have no awaited refs to replace.
	if err := s.addAwaited(ctx, up.prepared, now); err != nil {
		return nil, nil, err
	}
	if seqs, err = s.insertFinals(ctx, up.finals, now); err != nil {
		return nil, nil, err
	}
	refs := make([]string, len(up.finals))
	for i, f := range up.finals {
		refs[i] = f.Ref
	}
	named, err := s.namedBy(ctx, refs)
	if err != nil {
		return nil, nil, err
	}
	return seqs, append(related, named...), nil
}

// namedBy returns those of refs that a stored relation has as its source:
// the reverse half of another entity's relation.
func (s *Store) namedBy(ctx context.Context, refs []string) ([]string, error) {
	return s.sourcesWhere(ctx, "source_entity_ref", refs)
}

// sourcesWhere returns the distinct sources of the relations whose column
// holds one of values.
func (s *Store) sourcesWhere(ctx context.Context, column string, values []string) ([]string, error) {
	var out []string
	err := inLists(values, func(chunk []string) error {
		var got []string
		err := s.q(ctx).Raw("SELECT DISTINCT source_entity_ref FROM relations WHERE "+column+" IN ?", chunk).Scan(&got).Error
		out = append(out, got...)
		return translate(err)
	})
	return out, err
}

// replaceAwaited replaces the awaited refs of the processed entities ids
// with those of their results; a failed result keeps what its last good
// processing awaited, as it keeps its relations.
func (s *Store) replaceAwaited(ctx context.Context, ids []string, results []Result, now time.Time) error {
	if err := inLists(ids, func(chunk []string) error {
		return translate(s.q(ctx).Exec("DELETE FROM awaited_refs WHERE entity_id IN ?", chunk).Error)
	}); err != nil {
		return err
	}
	return s.addAwaited(ctx, results, now)
}

// addAwaited records the awaited refs of results.
//
// The refs were looked up before this transaction took the write lock. One
// that appeared since, written by the batch before or by another replica,
// will not wake the entity (upsertChunk wakes only what it finds awaiting
// at the time), so that entity is made due again now.
func (s *Store) addAwaited(ctx context.Context, results []Result, now time.Time) error {
	var rows [][]any
	var waiting []string
	for _, r := range results {
		if r.Processed == nil || len(r.Awaited) == 0 {
			continue
		}
		waiting = append(waiting, r.EntityID)
		for _, ref := range r.Awaited {
			rows = append(rows, []any{r.EntityID, ref})
		}
	}
	if err := s.insertRows(ctx, "INSERT INTO awaited_refs (entity_id, target_entity_ref)", 2, rows); err != nil {
		return err
	}
	return inLists(waiting, func(chunk []string) error {
		return translate(s.q(ctx).Exec(`UPDATE refresh_queue SET next_update_at = ? WHERE entity_id IN
(SELECT a.entity_id FROM awaited_refs a JOIN refresh_state r ON r.entity_ref = a.target_entity_ref WHERE a.entity_id IN ?)`,
			now.UnixMilli(), chunk).Error)
	})
}

// updateStates stores processing outcomes in refresh_state, many rows per
// statement: processed rows are (entity_id, processed_entity, result_hash,
// errors, relations), failed rows (entity_id, result_hash, errors) keep the last good
// processed entity. One UPDATE ... FROM a VALUES list costs a fraction of
// one statement per entity.
func (s *Store) updateStates(ctx context.Context, processed, failed [][]any) error {
	err := s.insertRows(ctx, "WITH v (id, processed, hash, errs, rels) AS (", 5, processed,
		`) UPDATE refresh_state SET processed_entity = v.processed, result_hash = v.hash, errors = v.errs, relations = v.rels
FROM v WHERE refresh_state.entity_id = v.id`)
	if err != nil {
		return err
	}
	return s.insertRows(ctx, "WITH v (id, hash, errs) AS (", 3, failed,
		`) UPDATE refresh_state SET result_hash = v.hash, errors = v.errs FROM v WHERE refresh_state.entity_id = v.id`)
}

// relationSources returns the sources of every relation the given
// entities originated, so both ends are re-stitched when they change.
func (s *Store) relationSources(ctx context.Context, entityIDs []string) ([]string, error) {
	return s.sourcesWhere(ctx, "originating_entity_id", entityIDs)
}

// markStitch schedules refs for stitching now. Setting the time also
// invalidates any lease a stitcher holds, so a change made during a stitch
// is stitched again.
func (s *Store) markStitch(ctx context.Context, refs []string, now time.Time) error {
	refs = dedupe(refs)
	return inLists(refs, func(chunk []string) error {
		return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_stitch_at = ? WHERE entity_ref IN ?", now.UnixMilli(), chunk).Error)
	})
}

// markStitchBy schedules refs for stitching at the latest at t: a mark
// that is due sooner stays. A stitcher's lease ends later than t, so it is
// replaced, and that stitch is done again.
func (s *Store) markStitchBy(ctx context.Context, refs []string, t time.Time) error {
	refs = dedupe(refs)
	ms := t.UnixMilli()
	return inLists(refs, func(chunk []string) error {
		return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_stitch_at = ? WHERE entity_ref IN ? AND (next_stitch_at IS NULL OR next_stitch_at > ?)", ms, chunk, ms).Error)
	})
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
