package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/errs"
)

// ErrLost is returned when a worker writes to a task it no longer holds:
// another replica's janitor took it over.
var ErrLost = errors.New("task no longer held by this worker")

// Store reads and writes tasks and task events.
type Store struct {
	db     *gorm.DB
	pg     bool
	notify *Notifier
	now    func() time.Time
}

// NewStore returns a Store on g. Appended events are published to n.
func NewStore(g *gorm.DB, n *Notifier) *Store {
	if n == nil {
		n = NewNotifier()
	}
	return &Store{db: g, pg: db.DialectOf(g) == db.Postgres, notify: n, now: time.Now}
}

// Notifier returns the notifier events are published to.
func (s *Store) Notifier() *Notifier { return s.notify }

const taskColumns = "id, spec, status, created_at, last_heartbeat_at, created_by, needs_secrets, state, owner_ref"

type taskRow struct {
	ID              string
	Spec            string
	Status          string
	CreatedAt       int64
	LastHeartbeatAt *int64
	CreatedBy       *string
	NeedsSecrets    int
	State           string
	OwnerRef        *string
}

func (r taskRow) task() Task {
	t := Task{ID: r.ID, Spec: json.RawMessage(r.Spec), Status: Status(r.Status),
		CreatedAt: FromMillis(r.CreatedAt), NeedsSecrets: r.NeedsSecrets != 0}
	if r.LastHeartbeatAt != nil {
		hb := FromMillis(*r.LastHeartbeatAt)
		t.LastHeartbeatAt = &hb
	}
	if r.CreatedBy != nil {
		t.CreatedBy = *r.CreatedBy
	}
	if r.OwnerRef != nil {
		t.Owner = *r.OwnerRef
	}
	_ = json.Unmarshal([]byte(r.State), &t.State)
	return t
}

// NewTask is what Create stores.
type NewTask struct {
	ID        string
	Spec      json.RawMessage
	CreatedBy string
	// Owner is the group (or user) ref the task launches for, from its
	// owner value; its holders may read and cancel the task.
	Owner string
	// HolderNode, when set, is the only node allowed to claim the task: the
	// one holding its secrets in memory.
	HolderNode string
}

// Create stores an open task, with the audit record attached to ctx in
// the same transaction.
func (s *Store) Create(ctx context.Context, t NewTask) error {
	now := Millis(s.now())
	var createdBy, node, owner any
	if t.CreatedBy != "" {
		createdBy = t.CreatedBy
	}
	if t.Owner != "" {
		owner = t.Owner
	}
	needs := 0
	var hb any
	if t.HolderNode != "" {
		node, needs, hb = t.HolderNode, 1, now
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO scaffolder_tasks
  (id, spec, status, created_at, queued_at, last_heartbeat_at, created_by, node_id, needs_secrets, state, owner_ref)
  VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, '{}', ?)`,
			t.ID, string(t.Spec), now, now, hb, createdBy, node, needs, owner).Error
		if err != nil {
			return fmt.Errorf("create task: %w", err)
		}
		return db.RunTxHook(ctx, tx)
	})
}

// Get returns one task.
func (s *Store) Get(ctx context.Context, id string) (Task, error) {
	var rows []taskRow
	err := s.db.WithContext(ctx).Raw("SELECT "+taskColumns+" FROM scaffolder_tasks WHERE id = ?", id).Scan(&rows).Error
	if err != nil {
		return Task{}, fmt.Errorf("get task: %w", err)
	}
	if len(rows) == 0 {
		return Task{}, errs.NotFound("No task with id '%s' found", id)
	}
	return rows[0].task(), nil
}

// AppendEvent stores one event and wakes its local readers.
func (s *Store) AppendEvent(ctx context.Context, taskID string, typ EventType, body Body) error {
	if err := s.appendEvent(s.db.WithContext(ctx), taskID, typ, body); err != nil {
		return err
	}
	s.notify.Publish(taskID)
	return nil
}

// inTx runs fn in a transaction and wakes the readers of taskID once it
// committed: a reader woken earlier would not see the new events. The
// audit record attached to ctx (db.WithTxHook) commits with fn's writes.
func (s *Store) inTx(ctx context.Context, taskID string, fn func(tx *gorm.DB) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		return db.RunTxHook(ctx, tx)
	})
	if err != nil {
		return err
	}
	s.notify.Publish(taskID)
	return nil
}

func (s *Store) appendEvent(tx *gorm.DB, taskID string, typ EventType, body Body) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	err = tx.Exec("INSERT INTO scaffolder_task_events (task_id, event_type, body, created_at) VALUES (?, ?, ?, ?)",
		taskID, string(typ), string(data), Millis(s.now())).Error
	if err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

type eventRow struct {
	ID        int64
	TaskID    string
	EventType string
	Body      string
	CreatedAt int64
}

// Events returns the events of a task with an id above after, plus its
// completion event whatever its id, as Backstage does: a late reader
// learns that the task ended. Events before the latest startOver
// recovery are hidden.
func (s *Store) Events(ctx context.Context, taskID string, after int64) ([]Event, error) {
	q := s.db.WithContext(ctx)
	var cut *int64
	err := q.Raw(`SELECT MAX(id) FROM scaffolder_task_events WHERE task_id = ? AND event_type = 'recovered' AND body LIKE ?`,
		taskID, `%"recoverStrategy":"startOver"%`).Scan(&cut).Error
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	var from int64
	if cut != nil {
		from = *cut
	}
	var rows []eventRow
	err = q.Raw(`SELECT id, task_id, event_type, body, created_at FROM scaffolder_task_events
  WHERE task_id = ? AND id >= ? AND (id > ? OR event_type = 'completion') ORDER BY id`,
		taskID, from, after).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{ID: r.ID, TaskID: r.TaskID, Type: EventType(r.EventType), Body: json.RawMessage(r.Body), CreatedAt: FromMillis(r.CreatedAt)}
	}
	return out, nil
}

// SaveState stores the state of a task this node holds.
func (s *Store) SaveState(ctx context.Context, id, node string, st State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	res := s.db.WithContext(ctx).Exec("UPDATE scaffolder_tasks SET state = ? WHERE id = ? AND node_id = ? AND status = 'processing'",
		string(data), id, node)
	if res.Error != nil {
		return fmt.Errorf("save state: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrLost
	}
	return nil
}

// Complete ends a task this node holds: it sets the final status and
// appends the completion event in one transaction.
func (s *Store) Complete(ctx context.Context, id, node string, status Status, body Body) error {
	return s.inTx(ctx, id, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE scaffolder_tasks SET status = ?, last_heartbeat_at = ? WHERE id = ? AND node_id = ? AND status = 'processing'",
			string(status), Millis(s.now()), id, node)
		if res.Error != nil {
			return fmt.Errorf("complete task: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrLost
		}
		return s.appendEvent(tx, id, EventCompletion, body)
	})
}

// Heartbeat marks every task node holds as alive.
func (s *Store) Heartbeat(ctx context.Context, node string) error {
	err := s.db.WithContext(ctx).Exec("UPDATE scaffolder_tasks SET last_heartbeat_at = ? WHERE node_id = ? AND status IN ('open', 'processing')",
		Millis(s.now()), node).Error
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// CancelRequested returns the tasks node runs whose cancel was requested.
func (s *Store) CancelRequested(ctx context.Context, node string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Raw("SELECT id FROM scaffolder_tasks WHERE node_id = ? AND status = 'processing' AND cancel_requested = 1", node).
		Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("read cancel requests: %w", err)
	}
	return ids, nil
}

// DB returns the underlying database, for tests.
func (s *Store) DB() *gorm.DB { return s.db }
