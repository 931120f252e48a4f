package fleet

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/stacks"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// RollbackAction undoes a stack's last upgrade.
const RollbackAction = "stackyard:stack:rollback"

// RollbackBranch is where a rollback that conflicts with the owner's
// later edits is committed.
func RollbackBranch(from string) string { return "stackyard/rollback-" + from }

// lastUpgrade returns the upgrade a rollback would undo: the newest
// history entry, when it is an upgrade to the version the stack is on.
func lastUpgrade(st *store.Stack) (store.Event, error) {
	for i := len(st.History) - 1; i >= 0; i-- {
		ev := st.History[i]
		switch ev.Action {
		case "upgrade-proposed":
			continue
		case "upgraded":
			if ev.Previous != nil && ev.To == st.Version {
				return ev, nil
			}
		}
		break
	}
	return store.Event{}, errs.Conflict("stack %s has no upgrade to roll back: its last change is not an upgrade to %s", st.Ref(), st.Version)
}

// Rollback starts the task that undoes a stack's last upgrade. Only the
// stack's owner or an admin may.
func (s *Service) Rollback(ctx context.Context, namespace, name string) (*UpgradeStarted, error) {
	st, err := s.store.Get(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	var out *UpgradeStarted
	err = s.opts.Audit.Do(ctx, stackChange(auth.StackRollback, st), func(ctx context.Context) error {
		ev, err := lastUpgrade(st)
		if err != nil {
			return err
		}
		if s.tasks == nil {
			return fmt.Errorf("roll back %s: no task engine configured", st.Ref())
		}
		by := ""
		if p, ok := auth.FromContext(ctx); ok {
			by = p.Subject
		}
		in := map[string]any{"stack": st.Ref(), "from": ev.To, "to": ev.Previous.Version}
		id, err := s.tasks.Submit(ctx, scaffolder.Submission{
			Title:       fmt.Sprintf("Roll %s back to %s %s", st.Ref(), templateName(st.Template), ev.Previous.Version),
			TemplateRef: st.Template,
			Steps: []tasks.Step{{ID: "rollback", Name: fmt.Sprintf("Roll %s back: %s → %s", st.Ref(), ev.To, ev.Previous.Version),
				Action: RollbackAction, Input: in}},
			Parameters: in, UserRef: by, Owner: st.Owner,
		})
		out = &UpgradeStarted{TaskID: id, Stack: st.Ref(), ToVersion: ev.Previous.Version}
		return err
	})
	return out, err
}

// rollback reverts the last upgrade's commit on the default branch,
// keeping the owner's edits made since (a conflict with them is committed
// to RollbackBranch instead, and fails), then restores the stack's
// previous version, values and entities.
func (s *Service) rollback(ctx context.Context, st *store.Stack, from string, o applyOptions) (*Applied, error) {
	ev, err := lastUpgrade(st)
	if err != nil {
		return nil, err
	}
	if ev.To != from {
		return nil, errs.Conflict("stack %s changed since the rollback was asked for: it is on %s, not %s", st.Ref(), ev.To, from)
	}
	prev := ev.Previous
	out := &Applied{Status: upgrade.StatusReady}
	if ev.Commit != "" && prev.Commit != "" {
		if err := s.revertCommit(ctx, st, ev, o, out); err != nil {
			return nil, err
		}
	}
	t, err := s.Template(ctx, templateName(st.Template), prev.Version)
	if err != nil {
		return nil, err
	}
	res, err := t.Render(ctx, stacks.Input{Namespace: st.Namespace, Values: prev.Values})
	if err != nil {
		return nil, fmt.Errorf("render %s at %s: %w", st.Ref(), prev.Version, err)
	}
	refs, err := s.publishEntities(ctx, st.Namespace, st.Name, st.Repository, res.Entities)
	if err != nil {
		return nil, err
	}
	st.Version, st.Digest, st.Values, st.EntityRefs = prev.Version, prev.Digest, prev.Values, refs
	out.Merged = true
	return out, s.recordChange(ctx, auth.StackRollback, st, store.Event{At: now(), Action: "rolled-back", By: o.By,
		From: ev.To, To: prev.Version, Commit: out.Commit, Note: "reverts " + ev.Commit})
}

// revertCommit commits the revert of the upgrade commit ev.Commit onto the
// default branch and pushes it as a fast-forward.
func (s *Service) revertCommit(ctx context.Context, st *store.Stack, ev store.Event, o applyOptions, out *Applied) error {
	repo, err := git.PlainCloneContext(ctx, o.Workdir, false, &git.CloneOptions{URL: st.Repository})
	if err != nil {
		return fmt.Errorf("clone %s: %w", st.Repository, err)
	}
	head, err := repo.Head()
	if err != nil {
		return err
	}
	var trees [3]map[string][]byte
	for i, h := range []plumbing.Hash{plumbing.NewHash(ev.Commit), plumbing.NewHash(ev.Previous.Commit), head.Hash()} {
		if trees[i], err = CommitFiles(ctx, repo, h); err != nil {
			return fmt.Errorf("read %s of %s: %w", h, st.Repository, err)
		}
	}
	files := upgrade.Revert(trees[0], trees[1], trees[2], fmt.Sprintf("the upgrade to %s", ev.To))
	conflicts := 0
	for _, f := range files {
		conflicts += f.Conflicts
	}
	msg := fmt.Sprintf("Roll %s back %s → %s\n\nReverts %s.\n", templateName(st.Template), ev.To, ev.Previous.Version, ev.Commit)
	if conflicts > 0 {
		out.Branch = RollbackBranch(ev.To)
		commit, err := commitFiles(ctx, repo, files, out.Branch, msg)
		if err != nil {
			return err
		}
		o.Logf("Pushed %s at %s with %d conflicting hunk(s)", out.Branch, commit, conflicts)
		return errs.Conflict("rolling %s back conflicts with %d hunk(s) edited since the upgrade: resolve them on the branch %s", st.Ref(), conflicts, out.Branch)
	}
	commit, err := commitFiles(ctx, repo, files, head.Name().Short(), msg)
	if err != nil {
		return err
	}
	out.Commit = commit.String()
	o.Logf("Reverted %s on %s at %s", ev.Commit, head.Name().Short(), out.Commit)
	return nil
}
