package store

import (
	"context"
	"time"
)

// FinalRow is a stored final entity, as replicas read it to keep their
// in-memory index current.
type FinalRow struct {
	EntityID    string
	EntityRef   string
	Hash        string
	FinalEntity string
	Seq         int64
}

// Deletion records that a final entity went away at seq.
type Deletion struct {
	Seq      int64
	EntityID string
}

// FinalsSince returns up to limit final entities changed after seq, in
// sequence order.
func (s *Store) FinalsSince(ctx context.Context, seq int64, limit int) ([]FinalRow, error) {
	var rows []FinalRow
	err := s.q(ctx).Raw("SELECT entity_id, entity_ref, hash, final_entity, seq FROM final_entities WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit).Scan(&rows).Error
	return rows, translate(err)
}

// Bodies returns the stored JSON of the final entities with the given ids
// (metadata.uid); ids without a final entity are left out. The in-memory
// index reads the bodies it does not keep through it.
func (s *Store) Bodies(ctx context.Context, ids []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(ids))
	err := inLists(ids, func(chunk []string) error {
		var rows []struct {
			EntityID    string
			FinalEntity string
		}
		err := s.q(ctx).Raw("SELECT entity_id, final_entity FROM final_entities WHERE entity_id IN ?", chunk).Scan(&rows).Error
		for _, r := range rows {
			out[r.EntityID] = []byte(r.FinalEntity)
		}
		return translate(err)
	})
	return out, err
}

// DeletionsSince returns the deletions recorded after seq, in order.
func (s *Store) DeletionsSince(ctx context.Context, seq int64) ([]Deletion, error) {
	var rows []Deletion
	err := s.q(ctx).Raw("SELECT seq, entity_id FROM final_deletions WHERE seq > ? ORDER BY seq", seq).Scan(&rows).Error
	return rows, translate(err)
}

// MaxSeq returns the newest change number.
func (s *Store) MaxSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.q(ctx).Raw("SELECT seq FROM catalog_seq WHERE id = 1").Scan(&seq).Error
	return seq, translate(err)
}

// PruneDeletions drops deletion records older than before; replicas that
// fell further behind reload in full.
func (s *Store) PruneDeletions(ctx context.Context, before time.Time) error {
	defer s.lockWrites()()
	return translate(s.q(ctx).Exec("DELETE FROM final_deletions WHERE deleted_at < ?", before.UnixMilli()).Error)
}

// deleteEntities removes refresh state rows (and, by cascade, their
// relations, final entities and search rows), records the deletions of
// finals for replicas, drops the references they emitted and schedules
// the entities they were related to for stitching.
func (s *Store) deleteEntities(ctx context.Context, ids, refs []string) error {
	now := time.Now()
	peers, err := s.relationSources(ctx, ids)
	if err != nil {
		return err
	}
	var withFinal []string
	if err := inLists(ids, func(chunk []string) error {
		var got []string
		err := s.q(ctx).Raw("SELECT entity_id FROM final_entities WHERE entity_id IN ?", chunk).Scan(&got).Error
		withFinal = append(withFinal, got...)
		return translate(err)
	}); err != nil {
		return err
	}
	if len(withFinal) > 0 {
		first, err := s.allocSeq(ctx, len(withFinal))
		if err != nil {
			return err
		}
		rows := make([][]any, len(withFinal))
		for i, id := range withFinal {
			rows[i] = []any{first + int64(i), id, now.UnixMilli()}
		}
		if err := s.insertRows(ctx, "INSERT INTO final_deletions (seq, entity_id, deleted_at)", 3, rows); err != nil {
			return err
		}
	}
	if err := inLists(refs, func(chunk []string) error {
		return translate(s.q(ctx).Exec("DELETE FROM refresh_state_references WHERE source_entity_ref IN ?", chunk).Error)
	}); err != nil {
		return err
	}
	if err := inLists(ids, func(chunk []string) error {
		return translate(s.q(ctx).Exec("DELETE FROM refresh_state WHERE entity_id IN ?", chunk).Error)
	}); err != nil {
		return err
	}
	return s.markStitch(ctx, peers, now)
}

// DeleteOrphans deletes every entity that nothing emits any more, again and
// again until none is left (a deleted Location orphans its children). It
// returns the uids it deleted.
func (s *Store) DeleteOrphans(ctx context.Context) ([]string, error) {
	var deleted []string
	for {
		var rows []struct {
			EntityID  string
			EntityRef string
		}
		err := s.q(ctx).Raw(`SELECT entity_id, entity_ref FROM refresh_state r WHERE NOT EXISTS
(SELECT 1 FROM refresh_state_references x WHERE x.target_entity_ref = r.entity_ref) LIMIT 1000`).Scan(&rows).Error
		if err != nil {
			return deleted, translate(err)
		}
		if len(rows) == 0 {
			return deleted, nil
		}
		ids := make([]string, len(rows))
		refs := make([]string, len(rows))
		for i, r := range rows {
			ids[i], refs[i] = r.EntityID, r.EntityRef
		}
		if err := s.InTx(ctx, func(tx *Store) error { return tx.deleteEntities(ctx, ids, refs) }); err != nil {
			return deleted, err
		}
		deleted = append(deleted, ids...)
	}
}

// DeleteEntity removes the entity with id and schedules its parents for
// processing, so an entity that a location still emits comes back with a
// new uid. An unknown id is not an error.
func (s *Store) DeleteEntity(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx *Store) error {
		var refs []string
		if err := tx.q(ctx).Raw("SELECT entity_ref FROM refresh_state WHERE entity_id = ?", id).Scan(&refs).Error; err != nil {
			return translate(err)
		}
		if len(refs) == 0 {
			return nil
		}
		var parents []string
		if err := tx.q(ctx).Raw("SELECT source_entity_ref FROM refresh_state_references WHERE target_entity_ref = ? AND source_entity_ref IS NOT NULL", refs[0]).Scan(&parents).Error; err != nil {
			return translate(err)
		}
		if err := tx.deleteEntities(ctx, []string{id}, refs); err != nil {
			return err
		}
		// The parents' next result may hash the same as their last one;
		// forget it, so they write their children again.
		if err := inLists(parents, func(chunk []string) error {
			return translate(tx.q(ctx).Exec("UPDATE refresh_state SET result_hash = 'child-was-deleted' WHERE entity_ref IN ?", chunk).Error)
		}); err != nil {
			return err
		}
		return tx.ScheduleRefresh(ctx, parents)
	})
}

// EntityRefByID returns the ref of the refresh state row id.
func (s *Store) EntityRefByID(ctx context.Context, id string) (string, bool, error) {
	var refs []string
	err := s.q(ctx).Raw("SELECT entity_ref FROM refresh_state WHERE entity_id = ?", id).Scan(&refs).Error
	if err != nil || len(refs) == 0 {
		return "", false, translate(err)
	}
	return refs[0], true, nil
}

// ProcessingError is an entity whose processing reported errors.
type ProcessingError struct {
	EntityID    string
	EntityRef   string
	Unprocessed string
	Processed   *string
	Errors      string
	LocationKey *string
}

// ProcessingErrors returns every entity that has processing errors.
func (s *Store) ProcessingErrors(ctx context.Context) ([]ProcessingError, error) {
	var rows []ProcessingError
	err := s.q(ctx).Raw("SELECT entity_id, entity_ref, unprocessed_entity AS unprocessed, processed_entity AS processed, errors, location_key FROM refresh_state WHERE errors <> '' ORDER BY entity_ref").Scan(&rows).Error
	return rows, translate(err)
}
