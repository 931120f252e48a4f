package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/internal/memtrim"
)

// Deferred is an entity waiting to be processed, as emitted by a provider
// or by a parent entity (a Location).
type Deferred struct {
	Ref         string // canonical entity ref
	Entity      []byte // unprocessed entity JSON
	Hash        string // hash of Entity, to skip unchanged writes
	LocationKey string // "type:target" of the file it came from
	// Prepared, when set, is Entity already processed, as it was read
	// (bulk processing of a large location): a new row is stored with it,
	// marked for stitching, and not due before Prepared.Due. A row that
	// exists ignores it.
	Prepared *Prepared
}

// Prepared is the processing result of a Deferred made before it was
// stored. Result.EntityID, when empty, is set when the row is inserted.
type Prepared struct {
	Result Result
	Due    time.Time
	// Final, when set, is Result stitched with its own relations, under
	// Result.EntityID. A row inserted with it has its final entity from
	// the start, visible once the transaction commits, and is stitched
	// again only when another entity's relation names it (writePrepared).
	Final *Final
}

// upserted is what upsertDeferred did: the refs it accepted, those another
// location owns, and the results of the rows it inserted already
// processed (Deferred.Prepared), whose relations and finals are still to
// write.
type upserted struct {
	accepted, conflicts []string
	prepared            []Result
	finals              []Final
}

// NewEntityID returns a new entity uid. It is time-ordered (version 7):
// every table keyed by entity_id then takes new rows at the end of its
// index, and a claimed batch's rows sit near each other. With random
// (version 4) ids, ingesting 100,000 entities took 122 s (144 CPU-s) and
// copied 43 GB in and 36 GB out of SQLite's files, against 92 s (119
// CPU-s), 32 GB and 27 GB. Uid order then groups entities by arrival,
// which a page in uid order walks past cheaply (query.viewIter.nextIn).
func NewEntityID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Claimed is a refresh state row taken for processing.
type Claimed struct {
	EntityID    string
	EntityRef   string
	Unprocessed []byte
	ResultHash  string
	LocationKey string
}

// RefInfo describes an existing refresh state row.
type RefInfo struct {
	EntityID    string
	LocationKey string
	Processed   bool
}

// ClaimDue takes up to limit entities whose next_update_at has passed and
// pushes their next_update_at to next, so no other worker takes them.
func (s *Store) ClaimDue(ctx context.Context, now, next time.Time, limit int) ([]Claimed, error) {
	defer s.lockWrites()()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ids []string
	err := s.q(claimContext(ctx)).Raw(`UPDATE refresh_queue SET next_update_at = ?
WHERE entity_id IN (SELECT entity_id FROM refresh_queue WHERE next_update_at <= ? ORDER BY next_update_at LIMIT ?`+s.skipLocked()+`)
RETURNING entity_id`, next.UnixMilli(), now.UnixMilli(), limit).Scan(&ids).Error
	if err != nil || len(ids) == 0 {
		return nil, translate(err)
	}
	out := make([]Claimed, 0, len(ids))
	err = s.each(ctx, func(rows *sql.Rows) error {
		var c Claimed
		err := rows.Scan(&c.EntityID, &c.EntityRef, &c.Unprocessed, &c.ResultHash, &c.LocationKey)
		out = append(out, c)
		return err
	}, `SELECT entity_id, entity_ref, unprocessed_entity, result_hash, COALESCE(location_key, '') FROM refresh_state WHERE entity_id IN ?`, padIn(ids))
	if err != nil {
		_ = s.unclaim(context.WithoutCancel(ctx), ids)
		return nil, err
	}
	return out, nil
}

// claimContext is the context of a statement that claims or leases rows:
// it runs to its end even if ctx ends meanwhile. PostgreSQL could commit a
// claim whose result the cancelled caller never saw, which hid those
// entities until the next processing interval (or the lease's end). The
// caller gives back what it got when it stops.
func claimContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

// LookupRefs returns what exists of refs in the refresh state.
func (s *Store) LookupRefs(ctx context.Context, refs []string) (map[string]RefInfo, error) {
	out := make(map[string]RefInfo, len(refs))
	err := inLists(refs, func(chunk []string) error {
		var rows []struct {
			EntityID    string
			EntityRef   string
			LocationKey *string
			Processed   int
		}
		err := s.q(ctx).Raw(`SELECT entity_id, entity_ref, location_key, CASE WHEN processed_entity IS NULL THEN 0 ELSE 1 END AS processed
FROM refresh_state WHERE entity_ref IN ?`, chunk).Scan(&rows).Error
		for _, r := range rows {
			info := RefInfo{EntityID: r.EntityID, Processed: r.Processed == 1}
			if r.LocationKey != nil {
				info.LocationKey = *r.LocationKey
			}
			out[r.EntityRef] = info
		}
		return translate(err)
	})
	return out, err
}

// upsertDeferred inserts new entities and updates changed ones that the
// same location key owns. Rows owned by another location key are left
// alone: the first location keeps the entity. Items are written 500 at a
// time, so a location of 100,000 entities never has all their statement
// arguments in memory at once.
func (s *Store) upsertDeferred(ctx context.Context, items []Deferred, now time.Time) (upserted, error) {
	unique := uniqueDeferred(items)
	// In ref order, the inserts into each entity_ref index walk it from
	// one end to the other, each of its pages read once per chunk.
	slices.SortFunc(unique, func(a, b Deferred) int { return strings.Compare(a.Ref, b.Ref) })
	var out upserted
	err := inChunks(unique, func(chunk []Deferred) error {
		return s.upsertChunk(ctx, chunk, now.UnixMilli(), &out)
	})
	if err != nil {
		return upserted{}, err
	}
	return out, nil
}

// uniqueDeferred keeps the first item of each ref.
func uniqueDeferred(items []Deferred) []Deferred {
	seen := make(map[string]bool, len(items))
	unique := make([]Deferred, 0, len(items))
	for _, d := range items {
		if !seen[d.Ref] {
			seen[d.Ref] = true
			unique = append(unique, d)
		}
	}
	return unique
}

// childTx is how many children of one location are written per
// transaction. SQLite holds the pages a transaction wrote in memory until
// it commits: one transaction of 100,000 children held about 200 MB.
const childTx = 2500

// writeChildren stores the children of a location that emits more than
// childTx, one transaction per childTx children, each with the references
// from the location, so a child is never without the reference that keeps
// it from being deleted as an orphan (by this or another replica).
// WriteResults then drops the references the location no longer emits.
// Children stored already processed (Deferred.Prepared) have their
// relations written in the same transaction; the entities at the other
// ends are marked for stitching restitchAfter from now (see WriteResults).
// bodies, when not nil, yields the children with their Entity, in the
// order of items, which then carry only ref and hash; it may yield more
// (duplicates, conflicts), and only what items name is written. written,
// when not nil, is told of the finals of children stored stitched
// (Prepared.Final) once their transaction committed, in order, and before
// writeChildren returns.
func (s *Store) writeChildren(ctx context.Context, sourceRef string, items []Deferred, bodies iter.Seq[Deferred], written func([]Final, []int64), restitchAfter time.Duration) (accepted, conflicts []string, err error) {
	now := time.Now()
	if bodies == nil {
		bodies = slices.Values(items)
	}
	// The first item of a ref wins, as in uniqueDeferred; a copy of
	// 100,000 items would hold 9 MB more while they are written.
	want := make(map[string]string, len(items))
	for _, d := range items {
		if _, ok := want[d.Ref]; !ok {
			want[d.Ref] = d.Hash
		}
	}
	items = nil // want holds what is needed of them
	// The children are read again (bodies parses the location's files) on
	// one goroutine, a part of maxIn at a time, while the part before is
	// written on this one. A transaction takes childTx of them, part by
	// part: only the part being written and the next hold their bodies,
	// and the finals of the transaction wait for its commit.
	parts := make(chan []Deferred)
	stop := make(chan struct{})
	var missing int
	go func() {
		defer close(parts)
		var part []Deferred
		send := func() bool {
			select {
			case parts <- part:
				part = nil
				return true
			case <-stop:
				return false
			}
		}
		for d := range bodies {
			if hash, ok := want[d.Ref]; !ok || hash != d.Hash {
				continue
			}
			delete(want, d.Ref) // the first of a ref wins, as in uniqueDeferred
			if part = append(part, d); len(part) == maxIn && !send() {
				return
			}
		}
		if len(part) > 0 && !send() {
			return
		}
		missing = len(want)
	}()
	defer func() {
		close(stop)
		for range parts { // let the reader end before returning
		}
	}()
	// The finals of a transaction are handed to written on a goroutine of
	// their own, in order, while the next transaction is written: the
	// in-memory index took 1.9 s of the 15 s that 100,000 children took.
	publish := make(chan func(), 1)
	published := make(chan struct{})
	go func() {
		defer close(published)
		for fn := range publish {
			fn()
		}
	}()
	defer func() {
		close(publish)
		<-published
	}()
	for part := range parts {
		var finals []Final
		var seqs []int64
		err := s.InTx(ctx, func(tx *Store) error {
			// Marked once for the transaction: its parts name the same
			// groups and systems again and again.
			var restitch []string
			for n := 0; ; {
				up, err := tx.upsertDeferred(ctx, part, now)
				if err != nil {
					return err
				}
				accepted = append(accepted, up.accepted...)
				conflicts = append(conflicts, up.conflicts...)
				if err := tx.addReferences(ctx, sourceRef, up.accepted); err != nil {
					return err
				}
				got, more, err := tx.writePrepared(ctx, up)
				if err != nil {
					return err
				}
				finals, seqs, restitch = append(finals, up.finals...), append(seqs, got...), append(restitch, more...)
				var ok bool
				if n += len(part); n < childTx {
					part, ok = <-parts
				}
				if !ok {
					return tx.markStitchBy(ctx, restitch, time.Now().Add(restitchAfter))
				}
			}
		})
		memtrim.Trim()
		if err != nil {
			return nil, nil, err
		}
		if written != nil && len(finals) > 0 {
			publish <- func() { written(finals, seqs) }
		}
	}
	if missing > 0 {
		return nil, nil, fmt.Errorf("write children of %s: %d of them were not read again", sourceRef, missing)
	}
	return accepted, conflicts, nil
}

// addReferences records that the entity sourceRef emits targets, beside
// what it already emits.
func (s *Store) addReferences(ctx context.Context, sourceRef string, targets []string) error {
	if err := s.deleteReferences(ctx, sourceRef, targets); err != nil {
		return err
	}
	rows := make([][]any, len(targets))
	for i, t := range targets {
		rows[i] = []any{nil, sourceRef, t}
	}
	return s.insertRows(ctx, "INSERT INTO refresh_state_references (source_key, source_entity_ref, target_entity_ref)", 3, rows)
}

// pruneReferences drops the references from sourceRef to anything but
// keep.
func (s *Store) pruneReferences(ctx context.Context, sourceRef string, keep []string) error {
	var have []string
	if err := s.q(ctx).Raw("SELECT target_entity_ref FROM refresh_state_references WHERE source_entity_ref = ?", sourceRef).Scan(&have).Error; err != nil {
		return translate(err)
	}
	kept := make(map[string]bool, len(keep))
	for _, k := range keep {
		kept[k] = true
	}
	var stale []string
	for _, h := range have {
		if !kept[h] {
			stale = append(stale, h)
		}
	}
	return s.deleteReferences(ctx, sourceRef, stale)
}

// deleteReferences drops the references from sourceRef to targets. The
// rows are found by target: a location's references all share its source,
// and SQLite's planner, which has no statistics, would otherwise walk
// every reference of the location for each chunk (a quadratic cost while
// 100,000 children are written). Appending the empty string to the
// source keeps that term off its index.
func (s *Store) deleteReferences(ctx context.Context, sourceRef string, targets []string) error {
	return inLists(targets, func(chunk []string) error {
		return translate(s.q(ctx).Exec("DELETE FROM refresh_state_references WHERE target_entity_ref IN ? AND source_entity_ref || '' = ?", chunk, sourceRef).Error)
	})
}

// upsertChunk is upsertDeferred for at most 500 items with distinct refs;
// it adds what it did to out.
func (s *Store) upsertChunk(ctx context.Context, items []Deferred, ms int64, out *upserted) error {
	refs := make([]string, len(items))
	for i, d := range items {
		refs[i] = d.Ref
	}
	var rows []struct {
		EntityRef       string
		LocationKey     *string
		UnprocessedHash string
	}
	if err := s.q(ctx).Raw("SELECT entity_ref, location_key, unprocessed_hash FROM refresh_state WHERE entity_ref IN ?", padIn(refs)).Scan(&rows).Error; err != nil {
		return translate(err)
	}
	have := make(map[string]int, len(rows))
	for i, r := range rows {
		have[r.EntityRef] = i
	}
	var inserts, queued, processed, processedQueued [][]any
	var fresh, due []string
	for _, d := range items {
		i, ok := have[d.Ref]
		switch {
		case !ok:
			fresh = append(fresh, d.Ref)
			if p := d.Prepared; p != nil && p.Result.Processed != nil {
				r := p.Result
				// A row stored processed is stitched now, unless it comes
				// stitched, and processed again when its interval has
				// passed.
				if r.EntityID == "" {
					r.EntityID = NewEntityID()
				}
				id := r.EntityID
				var stitchAt any = ms
				if p.Final != nil {
					out.finals = append(out.finals, *p.Final)
					stitchAt = nil
				}
				processed = append(processed, []any{id, d.Ref, string(d.Entity), d.Hash, d.LocationKey, ms, string(r.Processed), r.Hash, r.Errors, ownRelations(r)})
				processedQueued = append(processedQueued, []any{id, d.Ref, p.Due.UnixMilli(), stitchAt})
				out.prepared = append(out.prepared, r)
				break
			}
			id := NewEntityID()
			inserts = append(inserts, []any{id, d.Ref, string(d.Entity), d.Hash, d.LocationKey, ms})
			queued = append(queued, []any{id, d.Ref, ms})
		case rows[i].LocationKey != nil && *rows[i].LocationKey != "" && *rows[i].LocationKey != d.LocationKey:
			out.conflicts = append(out.conflicts, d.Ref)
			continue
		case rows[i].UnprocessedHash != d.Hash:
			err := s.q(ctx).Exec(`UPDATE refresh_state SET unprocessed_entity = ?, unprocessed_hash = ?, location_key = ?, last_discovery_at = ? WHERE entity_ref = ?`,
				string(d.Entity), d.Hash, d.LocationKey, ms, d.Ref).Error
			if err != nil {
				return translate(err)
			}
			due = append(due, d.Ref)
		}
		out.accepted = append(out.accepted, d.Ref)
	}
	const state = "INSERT INTO refresh_state (entity_id, entity_ref, unprocessed_entity, unprocessed_hash, location_key, last_discovery_at"
	if err := s.insertRows(ctx, state+")", 6, inserts); err != nil {
		return err
	}
	if err := s.insertRows(ctx, state+", processed_entity, result_hash, errors, relations)", 10, processed); err != nil {
		return err
	}
	if err := s.insertRows(ctx, "INSERT INTO refresh_queue (entity_id, entity_ref, next_update_at)", 3, queued); err != nil {
		return err
	}
	if err := s.insertRows(ctx, "INSERT INTO refresh_queue (entity_id, entity_ref, next_update_at, next_stitch_at)", 4, processedQueued); err != nil {
		return err
	}
	if err := s.ScheduleRefresh(ctx, due); err != nil {
		return err
	}
	if len(fresh) == 0 {
		return nil
	}
	// Entities that named a ref which did not exist yet (a dangling owner,
	// say) are reprocessed now that it does.
	err := s.q(ctx).Exec(`UPDATE refresh_queue SET next_update_at = ? WHERE entity_id IN
(SELECT entity_id FROM awaited_refs WHERE target_entity_ref IN ?)`, ms, padIn(fresh)).Error
	return translate(err)
}

// replaceReferences makes targets the complete set of entities that the
// source (a provider key or a parent entity ref) emits.
func (s *Store) replaceReferences(ctx context.Context, sourceKey, sourceRef string, targets []string) error {
	col, val := "source_entity_ref", sourceRef
	if sourceKey != "" {
		col, val = "source_key", sourceKey
	}
	if err := s.q(ctx).Exec("DELETE FROM refresh_state_references WHERE "+col+" = ?", val).Error; err != nil {
		return translate(err)
	}
	rows := make([][]any, len(targets))
	for i, t := range targets {
		if sourceKey != "" {
			rows[i] = []any{sourceKey, nil, t}
		} else {
			rows[i] = []any{nil, sourceRef, t}
		}
	}
	return s.insertRows(ctx, "INSERT INTO refresh_state_references (source_key, source_entity_ref, target_entity_ref)", 3, rows)
}

// ReplaceProviderEntities makes items the complete output of the provider
// sourceKey (configured or registered locations). Entities it no longer
// emits become orphans. It returns the refs that another location owns.
func (s *Store) ReplaceProviderEntities(ctx context.Context, sourceKey string, items []Deferred) (conflicts []string, err error) {
	err = s.InTx(ctx, func(tx *Store) error {
		up, err := tx.upsertDeferred(ctx, items, time.Now())
		if err != nil {
			return err
		}
		conflicts = up.conflicts
		return tx.replaceReferences(ctx, sourceKey, "", up.accepted)
	})
	return conflicts, err
}

// ReleaseClaims makes claimed entities due again now, when a stopping
// engine could not process them: the next engine takes them at once
// instead of after a processing interval.
func (s *Store) ReleaseClaims(ctx context.Context, ids []string) error {
	defer s.lockWrites()()
	return s.unclaim(ctx, ids)
}

// unclaim makes ids due now; the caller holds the write lock.
func (s *Store) unclaim(ctx context.Context, ids []string) error {
	return inLists(ids, func(chunk []string) error {
		return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_update_at = ? WHERE entity_id IN ?", time.Now().UnixMilli(), chunk).Error)
	})
}

// ScheduleRefresh makes the entities with refs due for processing now.
func (s *Store) ScheduleRefresh(ctx context.Context, refs []string) error {
	defer s.lockWrites()()
	return inLists(refs, func(chunk []string) error {
		return translate(s.q(ctx).Exec("UPDATE refresh_queue SET next_update_at = ? WHERE entity_ref IN ?", time.Now().UnixMilli(), chunk).Error)
	})
}

// Parents returns the refs of the entities that emit ref; an empty
// result with roots=true means a provider emits it.
func (s *Store) Parents(ctx context.Context, ref string) (parents []string, root bool, err error) {
	var rows []struct {
		SourceKey       *string
		SourceEntityRef *string
	}
	err = s.q(ctx).Raw("SELECT source_key, source_entity_ref FROM refresh_state_references WHERE target_entity_ref = ? ORDER BY id", ref).Scan(&rows).Error
	for _, r := range rows {
		if r.SourceEntityRef != nil {
			parents = append(parents, *r.SourceEntityRef)
		} else {
			root = true
		}
	}
	return parents, root, translate(err)
}
