package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/errs"
)

// Rollout is one rollout of a template version over its stacks, in waves.
type Rollout struct {
	ID                 string   `json:"id"`
	Template           string   `json:"template"`
	ToVersion          string   `json:"toVersion"`
	Selector           Selector `json:"selector"`
	MaxConcurrent      int      `json:"maxConcurrent"`
	StopOnFirstFailure bool     `json:"stopOnFirstFailure"`
	// Status is pending, running, completed, stopped (a failure stopped
	// it), cancelled or failed (the rollout itself could not go on).
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	TaskID    string `json:"taskId"`
	CreatedBy string `json:"createdBy"`
	// Waves is the number of waves started so far.
	Waves int `json:"waves"`
	// Summary counts the stacks by state.
	Summary map[string]int `json:"summary"`
	Stacks  []RolloutStack `json:"stacks"`
	// BlockedOwners are the owners whose stacks were skipped as blocked
	// or in conflict, with those stacks: who has to act before the next one.
	BlockedOwners []BlockedOwner `json:"blockedOwners"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
}

// Selector picks the stacks of a rollout; empty fields match all.
type Selector struct {
	// Owners are owner refs, such as group:default/team-a.
	Owners []string `json:"owners,omitempty"`
	// Stacks are NAMESPACE/NAME refs.
	Stacks []string `json:"stacks,omitempty"`
	// Versions are the template versions the stacks are on now.
	Versions []string `json:"versions,omitempty"`
}

// RolloutStack is one selected stack and what the rollout did to it.
type RolloutStack struct {
	Stack string `json:"stack"`
	Owner string `json:"owner"`
	From  string `json:"from"`
	// Group is the fleet group it was planned into (up-to-date, ready,
	// conflicts, blocked-by-owner, blocked-by-platform, failed).
	Group string `json:"group"`
	// State is pending, upgraded, skipped, failed or not-started (a stop
	// came first).
	State  string `json:"state"`
	Wave   int    `json:"wave,omitempty"`
	Reason string `json:"reason,omitempty"`
	Commit string `json:"commit,omitempty"`
}

// BlockedOwner is an owner whose stacks a rollout skipped.
type BlockedOwner struct {
	Owner  string   `json:"owner"`
	Group  string   `json:"group"`
	Stacks []string `json:"stacks"`
}

type rolloutRow struct {
	ID        string
	Template  string
	ToVersion string
	Status    string
	TaskID    string
	CreatedBy string
	Body      string
	CreatedAt int64
	UpdatedAt int64
}

func (rolloutRow) TableName() string { return "stack_rollouts" }

// SaveRollout inserts or replaces a rollout, with the audit record
// attached to ctx in the same transaction. Zero timestamps are set to now.
func (s *Store) SaveRollout(ctx context.Context, r *Rollout) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.UpdatedAt = now
	r.Stacks, r.BlockedOwners = nonNil(r.Stacks), nonNil(r.BlockedOwners)
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode rollout: %w", err)
	}
	row := rolloutRow{ID: r.ID, Template: r.Template, ToVersion: r.ToVersion, Status: r.Status, TaskID: r.TaskID,
		CreatedBy: r.CreatedBy, Body: string(body), CreatedAt: r.CreatedAt.UnixMilli(), UpdatedAt: r.UpdatedAt.UnixMilli()}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Save(&row).Error; err != nil {
			return fmt.Errorf("save rollout %s: %w", r.ID, err)
		}
		return db.RunTxHook(ctx, tx)
	})
}

// Rollout returns one rollout or ErrNotFound.
func (s *Store) Rollout(ctx context.Context, id string) (*Rollout, error) {
	var rows []rolloutRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("get rollout %s: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, errs.NotFound("no rollout with id '%s'", id)
	}
	var r Rollout
	if err := json.Unmarshal([]byte(rows[0].Body), &r); err != nil {
		return nil, fmt.Errorf("decode rollout %s: %w", id, err)
	}
	return &r, nil
}
