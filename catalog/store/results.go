package store

import (
	"context"
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
	// Errors is the JSON array of processing errors, "" when there are none.
	Errors string
	Hash   string
}

// WriteResults stores a batch of processing results in one transaction,
// and marks every entity whose stitched form they change. It returns the
// child refs that another location already owns.
func (s *Store) WriteResults(ctx context.Context, results []Result) (conflicts map[string][]string, err error) {
	conflicts = map[string][]string{}
	err = s.InTx(ctx, func(tx *Store) error {
		now := time.Now()
		var ok []string
		stitch := []string{}
		for _, r := range results {
			stitch = append(stitch, r.Ref)
			if r.Processed != nil {
				ok = append(ok, r.EntityID)
				err := tx.q(ctx).Exec("UPDATE refresh_state SET processed_entity = ?, result_hash = ?, errors = ? WHERE entity_id = ?",
					string(r.Processed), r.Hash, r.Errors, r.EntityID).Error
				if err != nil {
					return translate(err)
				}
			} else if err := tx.q(ctx).Exec("UPDATE refresh_state SET result_hash = ?, errors = ? WHERE entity_id = ?",
				r.Hash, r.Errors, r.EntityID).Error; err != nil {
				return translate(err)
			}
		}
		old, err := tx.relationSources(ctx, ok)
		if err != nil {
			return err
		}
		stitch = append(stitch, old...)
		if err := inChunks(ok, func(chunk []string) error {
			return translate(tx.q(ctx).Exec("DELETE FROM relations WHERE originating_entity_id IN ?", chunk).Error)
		}); err != nil {
			return err
		}
		var rels [][]any
		for _, r := range results {
			if r.Processed == nil {
				continue
			}
			for _, rel := range r.Relations {
				rels = append(rels, []any{r.EntityID, rel.Source, rel.Type, rel.Target})
				stitch = append(stitch, rel.Source)
			}
		}
		if err := tx.insertRows(ctx, "INSERT INTO relations (originating_entity_id, source_entity_ref, type, target_entity_ref)", 4, rels); err != nil {
			return err
		}
		for _, r := range results {
			if r.Processed == nil || !r.ChildrenOK {
				continue
			}
			accepted, c, err := tx.upsertDeferred(ctx, r.Children, now)
			if err != nil {
				return err
			}
			if len(c) > 0 {
				conflicts[r.Ref] = c
			}
			if err := tx.replaceReferences(ctx, "", r.Ref, accepted); err != nil {
				return err
			}
		}
		return tx.markStitch(ctx, stitch, now)
	})
	return conflicts, err
}

// relationSources returns the sources of every relation the given
// entities originated, so both ends are re-stitched when they change.
func (s *Store) relationSources(ctx context.Context, entityIDs []string) ([]string, error) {
	var out []string
	err := inChunks(entityIDs, func(chunk []string) error {
		var refs []string
		err := s.q(ctx).Raw("SELECT DISTINCT source_entity_ref FROM relations WHERE originating_entity_id IN ?", chunk).Scan(&refs).Error
		out = append(out, refs...)
		return translate(err)
	})
	return out, err
}

// markStitch schedules refs for stitching now. Setting the time also
// invalidates any lease a stitcher holds, so a change made during a stitch
// is stitched again.
func (s *Store) markStitch(ctx context.Context, refs []string, now time.Time) error {
	refs = dedupe(refs)
	return inChunks(refs, func(chunk []string) error {
		return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_stitch_at = ? WHERE entity_ref IN ?", now.UnixMilli(), chunk).Error)
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
