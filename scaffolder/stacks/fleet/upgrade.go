package fleet

import (
	"context"
	"fmt"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// Tasks starts tasks on the scaffolder engine; scaffolder.Service is one.
type Tasks interface {
	Submit(ctx context.Context, sub scaffolder.Submission) (string, error)
	Status(ctx context.Context, id string) (tasks.Status, error)
}

// UseTasks sets the engine that runs upgrades and rollouts.
func (s *Service) UseTasks(t Tasks) { s.tasks = t }

// UpgradeBranch is the branch an upgrade to version is committed to.
func UpgradeBranch(version string) string { return "stackyard/upgrade-" + version }

// UpgradeRequest is the body of POST /stacks/:ns/:name/upgrade.
type UpgradeRequest struct {
	ToVersion  string `json:"toVersion"`
	PlanDigest string `json:"planDigest"`
}

// UpgradeStarted is the answer to an upgrade request: the task running it.
type UpgradeStarted struct {
	TaskID    string `json:"taskId"`
	Stack     string `json:"stack"`
	ToVersion string `json:"toVersion"`
	// Branch is where an upgrade commits; a rollback names none.
	Branch string `json:"branch,omitempty"`
}

// Upgrade starts the task that runs a stack's upgrade plan. Only the
// stack's owner or an admin may; the plan must still hash to
// req.PlanDigest (else ErrConflict: plan again), and a stack already on
// the version is a conflict too.
func (s *Service) Upgrade(ctx context.Context, namespace, name string, req UpgradeRequest) (*UpgradeStarted, error) {
	if req.PlanDigest == "" {
		return nil, errs.Input("planDigest is required: plan the upgrade first (POST /stacks/%s/%s/plan) and send its digest", namespace, name)
	}
	st, err := s.store.Get(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	var out *UpgradeStarted
	c := stackChange(auth.StackUpgrade, st)
	c.After = req.PlanDigest
	err = s.opts.Audit.Do(ctx, c, func(ctx context.Context) error {
		p, err := s.plan(ctx, st, req.ToVersion)
		if err != nil {
			return err
		}
		if err := checkPlan(p, req.PlanDigest); err != nil {
			return err
		}
		out, err = s.submitUpgrade(ctx, st, p)
		return err
	})
	return out, err
}

// stackChange is who may act on a stack: its owner and admins.
func stackChange(permission string, st *store.Stack) audit.Change {
	return audit.Change{Rule: auth.Rule{Permission: permission, Target: "stack:" + st.Ref(), Owners: [][]string{{st.Owner}}},
		Before: audit.Hash(map[string]any{"version": st.Version, "digest": st.Digest, "values": st.Values})}
}

// checkPlan refuses a plan that changed since it was shown (digest) or
// has nothing to do.
func checkPlan(p *upgrade.Plan, digest string) error {
	if digest != "" && p.Digest != digest {
		return errs.Conflict("the upgrade plan of %s changed since it was made (digest %s, now %s): plan again", p.Stack, digest, p.Digest)
	}
	if p.Status == upgrade.StatusUpToDate {
		return errs.Conflict("stack %s is on %s %s already", p.Stack, p.Template, p.To)
	}
	return nil
}

func (s *Service) submitUpgrade(ctx context.Context, st *store.Stack, p *upgrade.Plan) (*UpgradeStarted, error) {
	if s.tasks == nil {
		return nil, fmt.Errorf("upgrade %s: no task engine configured", st.Ref())
	}
	by := ""
	if pr, ok := auth.FromContext(ctx); ok {
		by = pr.Subject
	}
	id, err := s.tasks.Submit(ctx, scaffolder.Submission{
		Title:       fmt.Sprintf("Upgrade %s to %s %s", st.Ref(), p.Template, p.To),
		TemplateRef: st.Template,
		Steps: []tasks.Step{{ID: "upgrade", Name: fmt.Sprintf("Upgrade %s: %s %s → %s", st.Ref(), p.Template, p.From, p.To),
			Action: UpgradeAction, Input: map[string]any{"stack": st.Ref(), "toVersion": p.To, "planDigest": p.Digest}}},
		Parameters: map[string]any{"stack": st.Ref(), "toVersion": p.To, "planDigest": p.Digest},
		UserRef:    by,
		Owner:      st.Owner,
	})
	if err != nil {
		return nil, err
	}
	return &UpgradeStarted{TaskID: id, Stack: st.Ref(), ToVersion: p.To, Branch: UpgradeBranch(p.To)}, nil
}
