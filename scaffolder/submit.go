package scaffolder

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// Submission is a task a Stackyard service starts on its own steps rather
// than a template's, such as a stack upgrade or a rollout. It shows up in
// the task list and event stream like any other task.
type Submission struct {
	// ID is the task's id; empty gets a new one.
	ID string
	// Title names the task in the UI (the template title of a task page).
	Title string
	// TemplateRef is the entity ref the task is about, such as the stack
	// template's.
	TemplateRef string
	Steps       []tasks.Step
	Parameters  map[string]any
	// UserRef is the principal the task runs for; Owner the ref whose
	// holders may read and cancel it.
	UserRef string
	Owner   string
}

// Submit stores an open task for sub and wakes the worker. The caller has
// authorised it; an audit record attached to ctx commits with the task.
func (s *Service) Submit(ctx context.Context, sub Submission) (string, error) {
	spec := &tasks.Spec{
		APIVersion: TemplateAPIVersion,
		Steps:      sub.Steps,
		Output:     map[string]any{},
		Parameters: sub.Parameters,
		User:       s.user(ctx, sub.UserRef),
		TemplateInfo: tasks.TemplateInfo{EntityRef: sub.TemplateRef,
			Entity: map[string]any{"metadata": map[string]any{"name": sub.TemplateRef, "title": sub.Title}}},
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("encode task spec: %w", err)
	}
	id := sub.ID
	if id == "" {
		id = uuid.NewString()
	}
	if err := s.store.Create(ctx, tasks.NewTask{ID: id, Spec: data, CreatedBy: sub.UserRef, Owner: sub.Owner}); err != nil {
		return "", err
	}
	s.worker.Wake()
	return id, nil
}

// Status returns a task's status, for services that follow the tasks they
// submitted; it checks no permission.
func (s *Service) Status(ctx context.Context, id string) (tasks.Status, error) {
	t, err := s.store.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return t.Status, nil
}
