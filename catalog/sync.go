package catalog

import (
	"context"
	"encoding/json"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/internal/loop"
)

// syncPage is how many final entities one sync read takes.
const syncPage = 2000

// syncLoop keeps the index current with changes other replicas commit.
func (s *Service) syncLoop(ctx context.Context) {
	loop.Every(ctx, time.Second, func(ctx context.Context) {
		if err := s.syncIndex(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("sync catalog index", "err", err)
		}
	})
}

// syncIndex applies every final entity and deletion committed since the
// last sync. Finals this replica stitched itself are already indexed.
func (s *Service) syncIndex(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	for {
		rows, err := s.store.FinalsSince(ctx, s.lastSeq, syncPage)
		if err != nil {
			return err
		}
		docs := make([]query.Doc, 0, len(rows))
		for _, r := range rows {
			if !s.local[r.Seq] {
				if d, ok := s.docOf(r.EntityID, r.EntityRef, []byte(r.FinalEntity)); ok {
					docs = append(docs, d)
				}
			}
			s.lastSeq = r.Seq
		}
		s.index.UpsertBatch(docs)
		if len(rows) < syncPage {
			break
		}
	}
	for seq := range s.local {
		if seq <= s.lastSeq {
			delete(s.local, seq)
		}
	}
	dels, err := s.store.DeletionsSince(ctx, s.lastDel)
	if err != nil {
		return err
	}
	for _, d := range dels {
		s.index.Remove(d.EntityID)
		s.lastDel = d.Seq
	}
	return nil
}

func (s *Service) docOf(uid, ref string, data []byte) (query.Doc, bool) {
	var ent model.Entity
	if err := json.Unmarshal(data, &ent); err != nil {
		s.log.Error("index final entity", "entity_ref", ref, "err", err)
		return query.Doc{}, false
	}
	rows, err := query.SearchRows(ent)
	if err != nil {
		s.log.Error("index final entity", "entity_ref", ref, "err", err)
		return query.Doc{}, false
	}
	return query.Doc{UID: uid, Ref: ref, JSON: data, Rows: rows}, true
}
