package tasks

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/errs"
)

// Claim takes the oldest open task node may run and marks it processing.
// It returns nil when there is none. On PostgreSQL concurrent claimers
// skip each other's locked rows; SQLite has a single writer.
func (s *Store) Claim(ctx context.Context, node string) (*Task, error) {
	lock := ""
	if s.pg {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := `UPDATE scaffolder_tasks SET status = 'processing', node_id = ?, last_heartbeat_at = ?
  WHERE id = (SELECT id FROM scaffolder_tasks WHERE status = 'open' AND (node_id IS NULL OR node_id = ?)
              ORDER BY queued_at, id LIMIT 1` + lock + `)
    AND status = 'open'
  RETURNING ` + taskColumns
	var rows []taskRow
	if err := s.db.WithContext(ctx).Raw(q, node, Millis(s.now()), node).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("claim task: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	t := rows[0].task()
	return &t, nil
}

// RequestCancel asks for a task to stop. An open task is cancelled at once
// (it reports true); a processing task is flagged for the worker that holds
// it, which writes the events. A finished task is left as it is.
func (s *Store) RequestCancel(ctx context.Context, id string) (cancelledNow bool, err error) {
	err = s.inTx(ctx, id, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE scaffolder_tasks SET status = 'cancelled', node_id = NULL WHERE id = ? AND status = 'open'", id)
		if res.Error != nil {
			return fmt.Errorf("cancel task: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			cancelledNow = true
			if err := s.appendEvent(tx, id, EventCancelled, Body{Message: "Task has been cancelled before it started.", Status: StatusCancelled}); err != nil {
				return err
			}
			return s.appendEvent(tx, id, EventCompletion, Body{Message: "Run completed with status: cancelled",
				Error: &ErrorBody{Name: "Error", Message: "Task " + id + " has been cancelled."}})
		}
		return tx.Exec("UPDATE scaffolder_tasks SET cancel_requested = 1 WHERE id = ? AND status = 'processing'", id).Error
	})
	return cancelledNow, err
}

// Retry reopens a finished task: old cancelled and completion events go,
// a recovered event is appended and the state is reset, in one
// transaction. holder is the node keeping the task's secrets, if any.
func (s *Store) Retry(ctx context.Context, id, holder, strategy string) error {
	return s.inTx(ctx, id, func(tx *gorm.DB) error {
		now := Millis(s.now())
		var node any
		needs := 0
		if holder != "" {
			node, needs = holder, 1
		}
		res := tx.Exec(`UPDATE scaffolder_tasks SET status = 'open', queued_at = ?, last_heartbeat_at = ?, node_id = ?,
  needs_secrets = ?, cancel_requested = 0, state = '{}'
  WHERE id = ? AND status IN ('completed', 'failed', 'cancelled', 'skipped')`, now, now, node, needs, id)
		if res.Error != nil {
			return fmt.Errorf("retry task: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Raw("SELECT COUNT(*) FROM scaffolder_tasks WHERE id = ?", id).Scan(&n).Error; err != nil {
				return fmt.Errorf("retry task: %w", err)
			}
			if n == 0 {
				return errs.NotFound("No task with id '%s' found", id)
			}
			return errs.Conflict("Task %s cannot be retried, it is not in a terminal state", id)
		}
		if err := tx.Exec("DELETE FROM scaffolder_task_events WHERE task_id = ? AND event_type IN ('cancelled', 'completion')", id).Error; err != nil {
			return fmt.Errorf("retry task: %w", err)
		}
		return s.appendEvent(tx, id, EventRecovered, Body{RecoverStrategy: strategy})
	})
}

// Stale returns tasks held by a node whose heartbeat is older than before.
func (s *Store) Stale(ctx context.Context, before time.Time) ([]Task, error) {
	var rows []taskRow
	err := s.db.WithContext(ctx).Raw("SELECT "+taskColumns+` FROM scaffolder_tasks
  WHERE status IN ('open', 'processing') AND node_id IS NOT NULL AND last_heartbeat_at < ? ORDER BY queued_at LIMIT 100`,
		Millis(before)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find stale tasks: %w", err)
	}
	out := make([]Task, len(rows))
	for i, r := range rows {
		out[i] = r.task()
	}
	return out, nil
}

// TakeOver makes node the holder of a stale task, so that exactly one
// janitor handles it. It reports false when someone else was faster or
// the task came back to life.
func (s *Store) TakeOver(ctx context.Context, id, node string, before time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE scaffolder_tasks SET node_id = ?, status = 'processing', last_heartbeat_at = ?
  WHERE id = ? AND status IN ('open', 'processing') AND node_id IS NOT NULL AND last_heartbeat_at < ?`,
		node, Millis(s.now()), id, Millis(before))
	if res.Error != nil {
		return false, fmt.Errorf("take over task: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Reopen puts a task this node took over back in the queue so that it
// resumes, and appends the recovered event.
func (s *Store) Reopen(ctx context.Context, id, node string) error {
	return s.inTx(ctx, id, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE scaffolder_tasks SET status = 'open', node_id = NULL, queued_at = ? WHERE id = ? AND node_id = ? AND status = 'processing'",
			Millis(s.now()), id, node)
		if res.Error != nil {
			return fmt.Errorf("reopen task: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrLost
		}
		return s.appendEvent(tx, id, EventRecovered, Body{RecoverStrategy: "startOver"})
	})
}
