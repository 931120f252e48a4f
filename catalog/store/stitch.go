package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
)

// StitchInput is everything the stitcher needs to build one final entity.
type StitchInput struct {
	EntityID  string
	Ref       string
	Processed []byte // nil when the entity never processed successfully
	Errors    string
	Relations []model.Relation
	Orphan    bool
	PrevHash  string
	Lease     int64
}

// Final is a stitched entity ready to store.
type Final struct {
	EntityID  string
	Ref       string
	JSON      []byte
	Hash      string
	OwnerRefs []string
	HasErrors bool
}

// ClaimStitch leases up to limit entities that were marked for stitching
// at least debounce ago, and loads their inputs.
//
// Only the lease is written; the inputs are read after the write lock is
// given back, so a processing batch can write meanwhile. Whatever it
// changes marks the entity again, which ends this lease.
func (s *Store) ClaimStitch(ctx context.Context, now time.Time, debounce, lease time.Duration, limit int) ([]StitchInput, error) {
	leaseUntil := now.Add(lease).UnixMilli()
	ids, err := s.leaseStitch(ctx, leaseUntil, now.Add(-debounce).UnixMilli(), limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]StitchInput, 0, len(ids))
	err = s.each(ctx, func(rows *sql.Rows) error {
		in := StitchInput{Lease: leaseUntil}
		var own []byte
		if err := rows.Scan(&in.EntityID, &in.Ref, &in.Processed, &in.Errors, &in.PrevHash, &own); err != nil {
			return err
		}
		if len(own) > 0 {
			var pairs [][2]string
			if err := json.Unmarshal(own, &pairs); err != nil {
				return fmt.Errorf("relations of %s: %w", in.Ref, err)
			}
			for _, p := range pairs {
				in.Relations = append(in.Relations, model.Relation{Type: p[0], TargetRef: p[1]})
			}
		}
		out = append(out, in)
		return nil
	}, `SELECT r.entity_id, r.entity_ref, r.processed_entity, r.errors, COALESCE(f.hash, ''), r.relations
FROM refresh_state r LEFT JOIN final_entities f ON f.entity_id = r.entity_id WHERE r.entity_id IN ?`, padIn(ids))
	if err != nil {
		_ = s.ReleaseStitch(context.WithoutCancel(ctx), ids, leaseUntil)
		return nil, err
	}
	refs := make([]string, len(out))
	byRef := make(map[string]*StitchInput, len(out))
	for i := range out {
		refs[i] = out[i].Ref
		byRef[out[i].Ref] = &out[i]
	}
	err = s.loadRelations(ctx, out, byRef)
	if err == nil {
		err = s.loadOrphans(ctx, refs, byRef)
	}
	if err != nil {
		_ = s.ReleaseStitch(context.WithoutCancel(ctx), ids, leaseUntil)
		return nil, err
	}
	return out, nil
}

// leaseStitch sets a lease on up to limit entities marked at or before
// markedBy and returns their ids.
func (s *Store) leaseStitch(ctx context.Context, leaseUntil, markedBy int64, limit int) ([]string, error) {
	defer s.lockWrites()()
	var ids []string
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err := s.q(claimContext(ctx)).Raw(`UPDATE refresh_queue SET next_stitch_at = ?
WHERE entity_id IN (SELECT entity_id FROM refresh_queue WHERE next_stitch_at <= ? ORDER BY next_stitch_at LIMIT ?`+s.skipLocked()+`)
RETURNING entity_id`, leaseUntil, markedBy, limit).Scan(&ids).Error
	return ids, translate(err)
}

// ReleaseStitch gives back the stitch lease a stopping engine holds on
// ids, so the next engine stitches them at once; a mark set since the
// claim is left alone.
func (s *Store) ReleaseStitch(ctx context.Context, ids []string, lease int64) error {
	defer s.lockWrites()()
	return inLists(ids, func(chunk []string) error {
		return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_stitch_at = ? WHERE next_stitch_at = ? AND entity_id IN ?",
			time.Now().UnixMilli(), lease, chunk).Error)
	})
}

// StitchPending reports whether an entity is marked for stitching at or
// before until. Leases of running stitches end later and do not count.
func (s *Store) StitchPending(ctx context.Context, until time.Time) (bool, error) {
	var ids []string
	err := s.q(ctx).Raw("SELECT entity_id FROM refresh_queue WHERE next_stitch_at <= ? LIMIT 1", until.UnixMilli()).Scan(&ids).Error
	return len(ids) > 0, translate(err)
}

// StitchHeldNow makes the stitch marks due between now and until due
// now: the restitches WriteResults held back while a large catalog flowed
// in. Leases end later than until and are left alone.
func (s *Store) StitchHeldNow(ctx context.Context, now, until time.Time) error {
	defer s.lockWrites()()
	return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_stitch_at = ? WHERE next_stitch_at > ? AND next_stitch_at <= ?",
		now.UnixMilli(), now.UnixMilli(), until.UnixMilli()).Error)
}

// loadRelations adds the relations other entities emitted whose source is
// one of the inputs (the reverse halves of theirs), found by the source
// index; each input's own came with its row. Two entities may emit
// the same relation; the stitcher drops the duplicates
// (model.SortRelations), which costs less than DISTINCT's sort in SQL.
func (s *Store) loadRelations(ctx context.Context, inputs []StitchInput, byRef map[string]*StitchInput) error {
	refs := make([]string, len(inputs))
	for i, in := range inputs {
		refs[i] = in.Ref
	}
	return inLists(refs, func(chunk []string) error {
		return s.each(ctx, func(rows *sql.Rows) error {
			var source string
			var r model.Relation
			if err := rows.Scan(&source, &r.Type, &r.TargetRef); err != nil {
				return err
			}
			if in, ok := byRef[source]; ok {
				in.Relations = append(in.Relations, r)
			}
			return nil
		}, "SELECT source_entity_ref, type, target_entity_ref FROM relations WHERE source_entity_ref IN ?", chunk)
	})
}

func (s *Store) loadOrphans(ctx context.Context, refs []string, byRef map[string]*StitchInput) error {
	for _, in := range byRef {
		in.Orphan = true
	}
	return inLists(refs, func(chunk []string) error {
		return s.each(ctx, func(rows *sql.Rows) error {
			var target string
			if err := rows.Scan(&target); err != nil {
				return err
			}
			byRef[target].Orphan = false
			return nil
		}, "SELECT DISTINCT target_entity_ref FROM refresh_state_references WHERE target_entity_ref IN ?", chunk)
	})
}

// WriteFinals stores stitched entities and releases
// the leases of every input. A lease that was invalidated meanwhile stays,
// so that entity is stitched again. It returns the sequence number given to
// each written final, in order.
func (s *Store) WriteFinals(ctx context.Context, finals []Final, done []StitchInput) (seqs []int64, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		var err error
		if seqs, err = tx.insertFinals(ctx, finals, time.Now()); err != nil {
			return err
		}
		byLease := map[int64][]string{}
		for _, d := range done {
			byLease[d.Lease] = append(byLease[d.Lease], d.EntityID)
		}
		for lease, ids := range byLease {
			if err := inLists(ids, func(chunk []string) error {
				return translate(tx.q(ctx).Exec("UPDATE refresh_queue SET next_stitch_at = NULL WHERE next_stitch_at = ? AND entity_id IN ?", lease, chunk).Error)
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return seqs, err
}

// insertFinals stores final entities, new or not, each under a new change
// number, and returns those numbers in order.
func (s *Store) insertFinals(ctx context.Context, finals []Final, now time.Time) ([]int64, error) {
	if len(finals) == 0 {
		return nil, nil
	}
	first, err := s.allocSeq(ctx, len(finals))
	if err != nil {
		return nil, err
	}
	seqs := make([]int64, len(finals))
	rows := make([][]any, len(finals))
	for i, f := range finals {
		seqs[i] = first + int64(i)
		errFlag := 0
		if f.HasErrors {
			errFlag = 1
		}
		rows[i] = []any{f.EntityID, f.Ref, f.Hash, string(f.JSON), strings.Join(f.OwnerRefs, ","), errFlag, now.UnixMilli(), seqs[i]}
	}
	return seqs, s.upsertFinals(ctx, rows)
}

func (s *Store) upsertFinals(ctx context.Context, rows [][]any) error {
	// In ref order, for the entity_ref index (see upsertDeferred).
	slices.SortFunc(rows, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
	return s.insertRows(ctx, `INSERT INTO final_entities (entity_id, entity_ref, hash, final_entity, owner_refs, has_errors, last_updated_at, seq)`, 8, rows,
		` ON CONFLICT (entity_id) DO UPDATE SET entity_ref = excluded.entity_ref, hash = excluded.hash, final_entity = excluded.final_entity,
owner_refs = excluded.owner_refs, has_errors = excluded.has_errors, last_updated_at = excluded.last_updated_at, seq = excluded.seq`)
}

// allocSeq reserves n consecutive change numbers. The counter row stays
// locked until commit, so changes commit in sequence order and a replica
// that reads "seq > last" misses none.
func (s *Store) allocSeq(ctx context.Context, n int) (int64, error) {
	var last int64
	if err := s.q(ctx).Raw("UPDATE catalog_seq SET seq = seq + ? WHERE id = 1 RETURNING seq", n).Scan(&last).Error; err != nil {
		return 0, translate(err)
	}
	return last - int64(n) + 1, nil
}
