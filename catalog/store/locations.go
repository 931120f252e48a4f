package store

import (
	"context"
	"errors"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

type locationRow struct {
	ID        string
	Type      string
	Target    string
	EntityRef string
	CreatedAt int64
}

func (r locationRow) model() model.Location {
	return model.Location{ID: r.ID, Type: r.Type, Target: r.Target, EntityRef: r.EntityRef}
}

// Locations returns every registered location, ordered by id.
func (s *Store) Locations(ctx context.Context) ([]model.Location, error) {
	var rows []locationRow
	if err := s.q(ctx).Raw("SELECT id, type, target, entity_ref, created_at FROM locations ORDER BY id").Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]model.Location, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}

// Location returns the location with id, or ErrNotFound.
func (s *Store) Location(ctx context.Context, id string) (model.Location, error) {
	return s.oneLocation(ctx, "id = ?", id)
}

// LocationByTarget returns the location of type and target, or ErrNotFound.
func (s *Store) LocationByTarget(ctx context.Context, typ, target string) (model.Location, error) {
	return s.oneLocation(ctx, "type = ? AND target = ?", typ, target)
}

func (s *Store) oneLocation(ctx context.Context, where string, args ...any) (model.Location, error) {
	var rows []locationRow
	err := s.q(ctx).Raw("SELECT id, type, target, entity_ref, created_at FROM locations WHERE "+where, args...).Scan(&rows).Error
	if err != nil {
		return model.Location{}, translate(err)
	}
	if len(rows) == 0 {
		return model.Location{}, errs.ErrNotFound
	}
	return rows[0].model(), nil
}

// CreateLocation inserts loc; an existing (type, target) is ErrConflict.
func (s *Store) CreateLocation(ctx context.Context, loc model.Location) error {
	defer s.lockWrites()()
	err := s.q(ctx).Exec("INSERT INTO locations (id, type, target, entity_ref, created_at) VALUES (?, ?, ?, ?, ?)",
		loc.ID, loc.Type, loc.Target, loc.EntityRef, time.Now().UnixMilli()).Error
	return translate(err)
}

// UpdateLocation changes the type and target of loc.ID; the entity ref stays.
func (s *Store) UpdateLocation(ctx context.Context, loc model.Location) error {
	defer s.lockWrites()()
	res := s.q(ctx).Exec("UPDATE locations SET type = ?, target = ? WHERE id = ?", loc.Type, loc.Target, loc.ID)
	if err := translate(res.Error); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// DeleteLocation removes the location with id, or returns ErrNotFound.
func (s *Store) DeleteLocation(ctx context.Context, id string) error {
	defer s.lockWrites()()
	res := s.q(ctx).Exec("DELETE FROM locations WHERE id = ?", id)
	if err := translate(res.Error); err != nil {
		return err
	}
	if res.RowsAffected == 0 {
		return errs.ErrNotFound
	}
	return nil
}

// IsConflict reports whether err is a unique-key collision.
func IsConflict(err error) bool { return errors.Is(err, errs.ErrConflict) }
