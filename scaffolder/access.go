package scaffolder

import (
	"context"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// AnnotationLaunchers restricts who may launch a template; one of its refs
// must be held directly or through parent groups.
const AnnotationLaunchers = model.AnnotationLaunchers

// ownerOf returns the owner a launch names in its values, as a canonical
// ref (a bare name is a group in the default namespace), or "".
func ownerOf(values map[string]any) string {
	s, _ := values["owner"].(string)
	if strings.TrimSpace(s) == "" {
		return ""
	}
	ref, err := model.ParseRef(strings.TrimSpace(s), "group", model.DefaultNamespace)
	if err != nil {
		return ""
	}
	return ref.String()
}

// launchers returns the refs AnnotationLaunchers names, or nil.
func (t *Template) launchers() []string {
	var out []string
	for _, f := range strings.FieldsFunc(t.Entity.Annotation(AnnotationLaunchers), func(r rune) bool { return r == ',' || r == ' ' }) {
		if ref, err := model.ParseRef(f, "group", model.DefaultNamespace); err == nil {
			out = append(out, ref.String())
		}
	}
	return out
}

// createChange is who may launch t for owner: a member of owner (when the
// values name one) who also holds one of the template's launchers (when
// it restricts them). Anyone else authenticated may launch.
func createChange(t *Template, owner string, spec []byte) audit.Change {
	c := audit.Change{Rule: auth.Rule{Permission: auth.TaskCreate, Target: t.Entity.Ref().String()}, After: audit.Hash(spec)}
	if owner != "" {
		c.Owners = append(c.Owners, []string{owner})
	}
	if l := t.launchers(); len(l) > 0 {
		c.Owners = append(c.Owners, l)
	}
	c.Open = len(c.Owners) == 0
	return c
}

// taskChange is who may act on a task: its creator, the holders of its
// owner, and admins.
func taskChange(permission string, t tasks.Task, after tasks.Status) audit.Change {
	c := audit.Change{Rule: auth.Rule{Permission: permission, Target: t.ID, Subjects: []string{t.CreatedBy}},
		Before: audit.Hash(map[string]any{"status": t.Status, "spec": t.Spec})}
	if t.Owner != "" {
		c.Owners = [][]string{{t.Owner}}
	}
	c.After = audit.Hash(map[string]any{"status": after, "spec": t.Spec})
	return c
}

// readable returns the task id if the caller may read it, and records
// and reports a denied read as absence (404), as Backstage hides what a
// principal may not read.
func (s *Service) readable(ctx context.Context, t tasks.Task) error {
	p, _ := auth.FromContext(ctx)
	c := taskChange(auth.TaskRead, t, t.Status)
	if err := auth.Decide(p, c.Rule); err != nil {
		s.opts.Audit.Deny(ctx, c, err.Error())
		return errs.NotFound("No task with id '%s' found", t.ID)
	}
	return nil
}

// visibility limits a task list to what the caller may read; nil for an
// admin or an internal call.
func visibility(ctx context.Context) *tasks.Visibility {
	p, ok := auth.FromContext(ctx)
	if !ok || p.Admin {
		return nil
	}
	return &tasks.Visibility{Creator: p.Subject, Owners: p.Ownership}
}
