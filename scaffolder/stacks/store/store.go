// Package store keeps the stacks launched from stack templates in the
// stacks table: template ref, version, content digest, the values the owner
// gave (never secrets, never defaults), repository, owner, lifecycle,
// entity refs and history.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/errs"
)

// Stack is one launched stack.
type Stack struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Template is the template's entity ref, template:default/NAME.
	Template string `json:"template"`
	Version  string `json:"version"`
	// Digest is the content digest of the template version it runs.
	Digest string `json:"digest"`
	// Values are the values the owner gave; defaults and secrets are not kept.
	Values     map[string]any `json:"values"`
	Repository string         `json:"repository"`
	Owner      string         `json:"owner"`
	Lifecycle  string         `json:"lifecycle"`
	EntityRefs []string       `json:"entityRefs"`
	History    []Event        `json:"history"`
	CreatedAt  time.Time      `json:"createdAt"`
	UpdatedAt  time.Time      `json:"updatedAt"`
}

// Ref is the stack's NAMESPACE/NAME, as the stackyard.dev/stack annotation.
func (s *Stack) Ref() string { return s.Namespace + "/" + s.Name }

// Event is one entry of a stack's history.
type Event struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"` // launch, upgrade, …
	By     string    `json:"by,omitempty"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to,omitempty"`
	Note   string    `json:"note,omitempty"`
	// Commit is the commit the action made on the default branch, if any.
	Commit string `json:"commit,omitempty"`
	// Previous is what an upgrade replaced, kept so it can be rolled back.
	Previous *Snapshot `json:"previous,omitempty"`
}

// Snapshot is a stack's state before an upgrade.
type Snapshot struct {
	Version    string         `json:"version"`
	Digest     string         `json:"digest"`
	Values     map[string]any `json:"values"`
	EntityRefs []string       `json:"entityRefs"`
	// Commit is the head of the default branch before the upgrade.
	Commit string `json:"commit,omitempty"`
}

// Filter selects stacks; empty fields match all.
type Filter struct {
	Owner    string
	Template string
}

// Store reads and writes the stacks table.
type Store struct{ db *gorm.DB }

// New returns a store on a migrated database.
func New(db *gorm.DB) *Store { return &Store{db: db} }

type row struct {
	Namespace   string
	Name        string
	Template    string
	Version     string
	Digest      string
	StackValues string
	Repository  string
	OwnerRef    string
	Lifecycle   string
	EntityRefs  string
	History     string
	CreatedAt   int64
	UpdatedAt   int64
}

func (row) TableName() string { return "stacks" }

func toRow(s *Stack) (row, error) {
	vals, err := json.Marshal(nonNilMap(s.Values))
	if err != nil {
		return row{}, fmt.Errorf("encode stack values: %w", err)
	}
	refs, _ := json.Marshal(nonNil(s.EntityRefs))
	hist, err := json.Marshal(nonNil(s.History))
	if err != nil {
		return row{}, fmt.Errorf("encode stack history: %w", err)
	}
	return row{Namespace: s.Namespace, Name: s.Name, Template: s.Template, Version: s.Version, Digest: s.Digest,
		StackValues: string(vals), Repository: s.Repository, OwnerRef: s.Owner, Lifecycle: s.Lifecycle,
		EntityRefs: string(refs), History: string(hist), CreatedAt: s.CreatedAt.UnixMilli(), UpdatedAt: s.UpdatedAt.UnixMilli()}, nil
}

func (r row) stack() (*Stack, error) {
	s := &Stack{Namespace: r.Namespace, Name: r.Name, Template: r.Template, Version: r.Version, Digest: r.Digest,
		Repository: r.Repository, Owner: r.OwnerRef, Lifecycle: r.Lifecycle,
		CreatedAt: time.UnixMilli(r.CreatedAt).UTC(), UpdatedAt: time.UnixMilli(r.UpdatedAt).UTC()}
	if err := json.Unmarshal([]byte(r.StackValues), &s.Values); err != nil {
		return nil, fmt.Errorf("decode stack %s values: %w", s.Ref(), err)
	}
	if err := json.Unmarshal([]byte(r.EntityRefs), &s.EntityRefs); err != nil {
		return nil, fmt.Errorf("decode stack %s entity refs: %w", s.Ref(), err)
	}
	if err := json.Unmarshal([]byte(r.History), &s.History); err != nil {
		return nil, fmt.Errorf("decode stack %s history: %w", s.Ref(), err)
	}
	s.Values, s.EntityRefs, s.History = nonNilMap(s.Values), nonNil(s.EntityRefs), nonNil(s.History)
	return s, nil
}

// Create records a new stack; a stack of the same namespace and name is
// ErrConflict. Zero timestamps are set to now.
func (s *Store) Create(ctx context.Context, st *Stack) error {
	if st.Namespace == "" {
		st.Namespace = "default"
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if st.CreatedAt.IsZero() {
		st.CreatedAt = now
	}
	if st.UpdatedAt.IsZero() {
		st.UpdatedAt = st.CreatedAt
	}
	r, err := toRow(st)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return db.RunTxHook(ctx, tx)
	})
	if err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("create stack %s: %w", st.Ref(), errs.ErrConflict)
		}
		return fmt.Errorf("create stack %s: %w", st.Ref(), err)
	}
	return nil
}

// Update replaces the stored fields of an existing stack (ErrNotFound if
// there is none) and sets UpdatedAt to now.
func (s *Store) Update(ctx context.Context, st *Stack) error {
	st.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	r, err := toRow(st)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&row{}).Where("namespace = ? AND name = ?", st.Namespace, st.Name).
			Updates(map[string]any{"template": r.Template, "version": r.Version, "digest": r.Digest,
				"stack_values": r.StackValues, "repository": r.Repository, "owner_ref": r.OwnerRef,
				"lifecycle": r.Lifecycle, "entity_refs": r.EntityRefs, "history": r.History, "updated_at": r.UpdatedAt})
		if res.Error != nil {
			return fmt.Errorf("update stack %s: %w", st.Ref(), res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("update stack %s: %w", st.Ref(), errs.ErrNotFound)
		}
		return db.RunTxHook(ctx, tx)
	})
}

// Get returns one stack or ErrNotFound.
func (s *Store) Get(ctx context.Context, namespace, name string) (*Stack, error) {
	var rows []row
	if err := s.db.WithContext(ctx).Where("namespace = ? AND name = ?", strings.ToLower(namespace), strings.ToLower(name)).
		Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get stack %s/%s: %w", namespace, name, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("stack %s/%s: %w", namespace, name, errs.ErrNotFound)
	}
	return rows[0].stack()
}

// List returns the stacks matching f, by namespace and name.
func (s *Store) List(ctx context.Context, f Filter) ([]*Stack, error) {
	q := s.db.WithContext(ctx).Order("namespace, name")
	if f.Owner != "" {
		q = q.Where("owner_ref = ?", f.Owner)
	}
	if f.Template != "" {
		q = q.Where("template = ?", f.Template)
	}
	var rows []row
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list stacks: %w", err)
	}
	out := make([]*Stack, 0, len(rows))
	for _, r := range rows {
		st, err := r.stack()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
