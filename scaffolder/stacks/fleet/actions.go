package fleet

import (
	"context"
	"strings"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
)

// The actions of the tasks the stacks API starts.
const (
	UpgradeAction = "stackyard:stack:upgrade"
	RolloutAction = "stackyard:stack:rollout"
)

// Actions returns the upgrade, rollout and rollback actions, which run the
// tasks Upgrade, StartRollout and Rollback submit.
func (s *Service) Actions() []actions.Action {
	return []actions.Action{upgradeAction{s}, rolloutAction{s}, rollbackAction{s}}
}

type upgradeAction struct{ fleet *Service }

func (upgradeAction) Describe() actions.Description {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	return actions.Description{
		ID: UpgradeAction,
		Description: "Runs a stack's upgrade plan: commits the 3-way merged files to the branch stackyard/upgrade-<version>, " +
			"merges it into the default branch when the plan is ready, then moves the stack record and its entities to the version.",
		Input: actions.Schema(map[string]any{
			"stack":      str("NAMESPACE/NAME of the stack"),
			"toVersion":  str("The template version to upgrade to"),
			"planDigest": str("The digest of the plan the owner approved; a plan that changed since fails the task"),
		}, "stack", "toVersion", "planDigest"),
		Output: actions.Schema(map[string]any{
			"status": str("The plan's status: ready, conflicts or blocked"),
			"branch": str("The upgrade branch"),
			"commit": str("The upgrade commit"),
			"merged": map[string]any{"type": "boolean", "description": "Whether the upgrade landed on the default branch"},
		}),
	}
}

func (a upgradeAction) Run(ctx context.Context, ac *actions.Context) error {
	version, _ := ac.Input["toVersion"].(string)
	digest, _ := ac.Input["planDigest"].(string)
	st, dir, err := a.fleet.taskStack(ctx, ac)
	if err != nil {
		return err
	}
	res, err := a.fleet.apply(ctx, st, version, applyOptions{Digest: digest, By: ac.User.Ref, Workdir: dir, Logf: ac.Logf})
	if err != nil {
		return err
	}
	ac.Output("status", string(res.Status))
	ac.Output("branch", res.Branch)
	ac.Output("commit", res.Commit)
	ac.Output("merged", res.Merged)
	return nil
}

type rollbackAction struct{ fleet *Service }

func (rollbackAction) Describe() actions.Description {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	return actions.Description{
		ID: RollbackAction,
		Description: "Undoes a stack's last upgrade: reverts its commit on the default branch (keeping the owner's later edits), " +
			"then restores the previous version, values and entities.",
		Input: actions.Schema(map[string]any{
			"stack": str("NAMESPACE/NAME of the stack"),
			"from":  str("The version the stack is on, which the rollback undoes"),
			"to":    str("The version it goes back to"),
		}, "stack", "from"),
		Output: actions.Schema(map[string]any{"commit": str("The revert commit"), "branch": str("The branch of a conflicting revert")}),
	}
}

func (a rollbackAction) Run(ctx context.Context, ac *actions.Context) error {
	st, dir, err := a.fleet.taskStack(ctx, ac)
	if err != nil {
		return err
	}
	from, _ := ac.Input["from"].(string)
	res, err := a.fleet.rollback(ctx, st, from, applyOptions{By: ac.User.Ref, Workdir: dir, Logf: ac.Logf})
	if err != nil {
		return err
	}
	ac.Output("commit", res.Commit)
	ac.Output("branch", res.Branch)
	return nil
}

// taskStack reads the stack a task's input names and the workspace
// directory to clone it into.
func (s *Service) taskStack(ctx context.Context, ac *actions.Context) (*store.Stack, string, error) {
	ref, _ := ac.Input["stack"].(string)
	ns, name, ok := cut(ref)
	if !ok {
		return nil, "", errs.Input("stack %q must be NAMESPACE/NAME", ref)
	}
	st, err := s.store.Get(ctx, ns, name)
	if err != nil {
		return nil, "", err
	}
	dir, err := actions.SafeJoin(ac.Workspace, "repository")
	return st, dir, err
}

type rolloutAction struct{ fleet *Service }

func (rolloutAction) Describe() actions.Description {
	return actions.Description{
		ID: RolloutAction,
		Description: "Rolls a template version out over its stacks: plans each selected stack, skips and reports those " +
			"that are not ready, and upgrades the ready ones in waves of maxConcurrent.",
		Input: actions.Schema(map[string]any{
			"rollout": map[string]any{"type": "string", "description": "The rollout's id"},
		}, "rollout"),
	}
}

func (a rolloutAction) Run(ctx context.Context, ac *actions.Context) error {
	id, _ := ac.Input["rollout"].(string)
	return a.fleet.runRollout(ctx, id, ac.Workspace, ac.Logf)
}

// record stores a launched stack, with its stacks.stack.launch audit
// record in the same transaction. The task create before it checked the
// launcher's membership of the owner.
func (s *Service) record(ctx context.Context, by string, st *store.Stack) error {
	c := audit.Change{Rule: auth.Rule{Permission: auth.StackLaunch, Target: "stack:" + st.Ref(), Owners: [][]string{{st.Owner}}, Open: true},
		After: audit.Hash(map[string]any{"version": st.Version, "digest": st.Digest, "values": st.Values})}
	return s.opts.Audit.Do(asTaskUser(ctx, by), c, func(ctx context.Context) error { return s.store.Create(ctx, st) })
}

// asTaskUser names the user a task runs for as the actor of the audit
// records it writes. The task was authorised when it was created; the
// records it writes are Open.
func asTaskUser(ctx context.Context, userRef string) context.Context {
	if _, ok := auth.FromContext(ctx); ok || userRef == "" {
		return ctx
	}
	return auth.NewContext(ctx, &auth.Principal{Type: auth.TypeUser, Subject: userRef, UserRef: userRef, Via: "task"})
}

// cut splits NAMESPACE/NAME.
func cut(ref string) (namespace, name string, ok bool) {
	ns, n, ok := strings.Cut(ref, "/")
	return ns, n, ok && ns != "" && n != ""
}
