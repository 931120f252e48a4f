package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// CreateRequest is the body of POST /v2/tasks.
type CreateRequest struct {
	TemplateRef string            `json:"templateRef"`
	Values      map[string]any    `json:"values"`
	Secrets     map[string]string `json:"secrets,omitempty"`
}

// Create validates the values of a template and stores a task for them.
// userRef is the caller; empty for a service principal.
func (s *Service) Create(ctx context.Context, userRef string, req CreateRequest) (string, error) {
	ref, err := model.ParseRef(req.TemplateRef, "template", model.DefaultNamespace)
	if err != nil {
		return "", err
	}
	t, err := s.LoadTemplate(ctx, ref)
	if err != nil {
		return "", err
	}
	values, err := s.checkValues(ctx, t, req.Values)
	if err != nil {
		return "", err
	}
	if err := checkSecrets(t, req.Secrets); err != nil {
		return "", err
	}
	spec := s.buildSpec(ctx, t, ref.String(), values, userRef)
	data, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("encode task spec: %w", err)
	}
	id := uuid.NewString()
	owner := ownerOf(values)
	holder := ""
	if len(req.Secrets) > 0 {
		holder = s.worker.Node()
		s.vault.Put(id, req.Secrets)
	}
	task := tasks.NewTask{ID: id, Spec: data, CreatedBy: userRef, Owner: owner, HolderNode: holder}
	err = s.opts.Audit.Do(ctx, createChange(t, owner, data), func(ctx context.Context) error { return s.store.Create(ctx, task) })
	if err != nil {
		s.vault.Delete(id)
		return "", err
	}
	s.worker.Wake()
	return id, nil
}

// buildSpec makes the task spec of a template run.
func (s *Service) buildSpec(ctx context.Context, t *Template, templateRef string, values map[string]any, userRef string) *tasks.Spec {
	spec := t.Entity.Spec()
	out, _ := spec["output"].(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	ts := &tasks.Spec{
		APIVersion: TemplateAPIVersion,
		Steps:      t.Steps(),
		Output:     out,
		Parameters: values,
		User:       s.user(ctx, userRef),
		TemplateInfo: tasks.TemplateInfo{EntityRef: templateRef, BaseURL: baseURL(t.Entity),
			Entity: map[string]any{"metadata": t.Entity.Metadata()}},
	}
	if rec, ok := spec["EXPERIMENTAL_recovery"].(map[string]any); ok {
		strategy, _ := rec["EXPERIMENTAL_strategy"].(string)
		ts.Recovery = &tasks.Recovery{Strategy: strategy}
	}
	return ts
}

// user resolves the caller's User entity; a user the catalog does not
// know still has its ref.
func (s *Service) user(ctx context.Context, userRef string) tasks.User {
	if userRef == "" {
		return tasks.User{}
	}
	u := tasks.User{Ref: userRef}
	ref, err := model.ParseRef(userRef, "user", model.DefaultNamespace)
	if err != nil {
		return u
	}
	data, err := s.catalog.ByName(ctx, ref)
	if err != nil {
		if !errors.Is(err, errs.ErrNotFound) {
			s.log.Warn("resolve user entity failed", "user", userRef, "err", err)
		}
		return u
	}
	_ = json.Unmarshal(data, &u.Entity)
	return u
}
