package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// SerializedTask is a task as the API returns it. Secrets, state and the
// workspace are never included.
type SerializedTask struct {
	ID              string          `json:"id"`
	Spec            json.RawMessage `json:"spec"`
	Status          tasks.Status    `json:"status"`
	CreatedAt       string          `json:"createdAt"`
	LastHeartbeatAt string          `json:"lastHeartbeatAt,omitempty"`
	CreatedBy       string          `json:"createdBy,omitempty"`
}

func serialize(t tasks.Task) SerializedTask {
	out := SerializedTask{ID: t.ID, Spec: t.Spec, Status: t.Status, CreatedAt: tasks.ISO(t.CreatedAt), CreatedBy: t.CreatedBy}
	if t.LastHeartbeatAt != nil {
		out.LastHeartbeatAt = tasks.ISO(*t.LastHeartbeatAt)
	}
	return out
}

// SerializedEvent is a task event as the API returns it.
type SerializedEvent struct {
	ID                int64           `json:"id"`
	IsTaskRecoverable bool            `json:"isTaskRecoverable"`
	TaskID            string          `json:"taskId"`
	Body              json.RawMessage `json:"body"`
	Type              tasks.EventType `json:"type"`
	CreatedAt         string          `json:"createdAt"`
}

// TaskList is the body of GET /v2/tasks.
type TaskList struct {
	Tasks      []SerializedTask `json:"tasks"`
	TotalTasks int64            `json:"totalTasks"`
}

// Get returns one task.
func (s *Service) Get(ctx context.Context, id string) (SerializedTask, error) {
	t, err := s.store.Get(ctx, id)
	if err != nil {
		return SerializedTask{}, err
	}
	if err := s.readable(ctx, t); err != nil {
		return SerializedTask{}, err
	}
	return serialize(t), nil
}

// List returns a page of tasks. Each spec leaves out user.entity.
func (s *Service) List(ctx context.Context, q tasks.ListQuery) (TaskList, error) {
	q.Visible = visibility(ctx)
	list, total, err := s.store.List(ctx, q)
	if err != nil {
		return TaskList{}, err
	}
	out := TaskList{Tasks: make([]SerializedTask, len(list)), TotalTasks: total}
	for i, t := range list {
		t.Spec = trimUserEntity(t.Spec)
		out.Tasks[i] = serialize(t)
	}
	return out, nil
}

func trimUserEntity(spec json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(spec, &m) != nil {
		return spec
	}
	var u map[string]json.RawMessage
	if json.Unmarshal(m["user"], &u) != nil || u["entity"] == nil {
		return spec
	}
	delete(u, "entity")
	m["user"], _ = json.Marshal(u)
	out, err := json.Marshal(m)
	if err != nil {
		return spec
	}
	return out
}

// Events returns the events of a task after the given id, plus its
// completion event, as Backstage does.
func (s *Service) Events(ctx context.Context, id string, after int64) ([]SerializedEvent, bool, error) {
	t, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if err := s.readable(ctx, t); err != nil {
		return nil, false, err
	}
	var spec tasks.Spec
	_ = json.Unmarshal(t.Spec, &spec)
	events, err := s.store.Events(ctx, id, after)
	if err != nil {
		return nil, false, err
	}
	out := make([]SerializedEvent, len(events))
	done := false
	for i, e := range events {
		out[i] = SerializedEvent{ID: e.ID, IsTaskRecoverable: spec.Recoverable(), TaskID: e.TaskID, Body: e.Body,
			Type: e.Type, CreatedAt: tasks.ISO(e.CreatedAt)}
		done = done || e.Type == tasks.EventCompletion
	}
	return out, done, nil
}

// Subscribe wakes the caller when this process appends an event to a
// task; readers must also poll, for events written by other replicas.
func (s *Service) Subscribe(id string) (<-chan struct{}, func()) {
	return s.store.Notifier().Subscribe(id)
}

// WaitEvents is the long poll: it returns as soon as there are events
// after the given id, or an empty list after the long-poll timeout.
func (s *Service) WaitEvents(ctx context.Context, id string, after int64) ([]SerializedEvent, error) {
	wake, stop := s.Subscribe(id)
	defer stop()
	deadline := time.NewTimer(s.opts.LongPollTimeout)
	defer deadline.Stop()
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		events, _, err := s.Events(ctx, id, after)
		if err != nil || len(events) > 0 {
			return events, err
		}
		select {
		case <-ctx.Done():
			return []SerializedEvent{}, nil
		case <-deadline.C:
			return []SerializedEvent{}, nil
		case <-wake:
		case <-poll.C:
		}
	}
}

// Cancel asks a task to stop. It answers the same for a task that already
// ended, whose status does not change.
func (s *Service) Cancel(ctx context.Context, id string) error {
	t, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	var now bool
	err = s.opts.Audit.Do(ctx, taskChange(auth.TaskCancel, t, tasks.StatusCancelled), func(ctx context.Context) error {
		now, err = s.store.RequestCancel(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	if now {
		s.vault.Delete(id)
		return nil
	}
	s.worker.Cancel(id)
	return nil
}

// Retry reruns a task that ended. New secrets replace none: secrets of the
// first run are kept only while that run lasts, so they must be sent again.
func (s *Service) Retry(ctx context.Context, id string, secrets map[string]string) error {
	t, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	var spec tasks.Spec
	if err := json.Unmarshal(t.Spec, &spec); err != nil {
		return errs.Input("Task %s has an unreadable spec", id)
	}
	strategy := "none"
	if spec.Recoverable() {
		strategy = "startOver"
	}
	retry := func(ctx context.Context) error {
		if err := s.checkRetrySecrets(ctx, spec, secrets); err != nil {
			return err
		}
		holder := ""
		if len(secrets) > 0 {
			holder = s.worker.Node()
			s.vault.Put(id, secrets)
		}
		if err := s.store.Retry(ctx, id, holder, strategy); err != nil {
			if holder != "" {
				s.vault.Delete(id)
			}
			return err
		}
		return nil
	}
	if err := s.opts.Audit.Do(ctx, taskChange(auth.TaskRetry, t, tasks.StatusOpen), retry); err != nil {
		return err
	}
	s.worker.Wake()
	return nil
}

// checkRetrySecrets validates secrets against the template, when the
// template still exists.
func (s *Service) checkRetrySecrets(ctx context.Context, spec tasks.Spec, secrets map[string]string) error {
	ref, err := model.ParseRef(spec.TemplateInfo.EntityRef, "template", model.DefaultNamespace)
	if err != nil {
		return nil
	}
	t, err := s.LoadTemplate(ctx, ref)
	if errors.Is(err, errs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return checkSecrets(t, secrets)
}
