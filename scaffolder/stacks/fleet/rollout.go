package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// MaxRolloutConcurrency bounds maxConcurrent: each upgrade in a wave holds
// a clone and two renders.
const MaxRolloutConcurrency = 16

// The states of a stack in a rollout.
const (
	StatePending    = "pending"
	StateUpgraded   = "upgraded"
	StateSkipped    = "skipped"
	StateFailed     = "failed"
	StateNotStarted = "not-started"
)

// RolloutRequest is the body of POST /templates/:name/rollouts.
type RolloutRequest struct {
	ToVersion          string         `json:"toVersion"`
	Selector           store.Selector `json:"selector"`
	MaxConcurrent      int            `json:"maxConcurrent"`
	StopOnFirstFailure bool           `json:"stopOnFirstFailure"`
}

// StartRollout records a rollout of a template version and starts the task
// that runs it. Only the template's owner (the platform team) or an admin
// may.
func (s *Service) StartRollout(ctx context.Context, name string, req RolloutRequest) (*store.Rollout, error) {
	e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	switch {
	case req.MaxConcurrent == 0:
		req.MaxConcurrent = 1
	case req.MaxConcurrent < 0 || req.MaxConcurrent > MaxRolloutConcurrency:
		return nil, errs.Input("maxConcurrent must be between 1 and %d, got %d", MaxRolloutConcurrency, req.MaxConcurrent)
	}
	if req.ToVersion == "" {
		req.ToVersion = e.latest.Version
	}
	if _, err := s.Template(ctx, e.latest.Name, req.ToVersion); err != nil {
		return nil, err
	}
	if s.tasks == nil {
		return nil, fmt.Errorf("rollout of %s: no task engine configured", name)
	}
	by := ""
	if p, ok := auth.FromContext(ctx); ok {
		by = p.Subject
	}
	ref := templateRef(e.latest.Name)
	r := &store.Rollout{ID: uuid.NewString(), Template: ref, ToVersion: req.ToVersion, Selector: req.Selector,
		MaxConcurrent: req.MaxConcurrent, StopOnFirstFailure: req.StopOnFirstFailure, Status: "pending", CreatedBy: by,
		Summary: map[string]int{}}
	c := audit.Change{Rule: auth.Rule{Permission: auth.StackRollout, Target: ref, Owners: [][]string{{e.latest.Owner}}},
		After: audit.Hash(req)}
	// The rollout is stored before its task exists, so the task finds it.
	r.TaskID = uuid.NewString()
	err = s.opts.Audit.Do(ctx, c, func(ctx context.Context) error {
		if err := s.store.SaveRollout(ctx, r); err != nil {
			return err
		}
		_, err := s.tasks.Submit(ctx, scaffolder.Submission{
			ID:          r.TaskID,
			Title:       fmt.Sprintf("Roll %s %s out", e.latest.Name, req.ToVersion),
			TemplateRef: ref,
			Steps: []tasks.Step{{ID: "rollout", Name: fmt.Sprintf("Roll %s %s out in waves of %d", e.latest.Name, req.ToVersion, req.MaxConcurrent),
				Action: RolloutAction, Input: map[string]any{"rollout": r.ID}}},
			Parameters: map[string]any{"rollout": r.ID, "toVersion": req.ToVersion},
			UserRef:    by,
			Owner:      e.latest.Owner,
		})
		if err != nil {
			r.Status, r.Error = "failed", err.Error()
			return errors.Join(err, s.store.SaveRollout(context.WithoutCancel(ctx), r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Rollout returns one rollout; reading is open to every principal. A
// rollout whose task ended before it did (a crash the task could not
// recover from, a cancel before it started) is reported as failed or
// cancelled.
func (s *Service) Rollout(ctx context.Context, id string) (*store.Rollout, error) {
	r, err := s.store.Rollout(ctx, id)
	if err != nil || (r.Status != "pending" && r.Status != "running") || s.tasks == nil {
		return r, err
	}
	st, err := s.tasks.Status(ctx, r.TaskID)
	if err != nil || !st.Terminal() {
		return r, nil
	}
	r.Status, r.Error = "failed", fmt.Sprintf("its task %s ended %s before the rollout finished", r.TaskID, st)
	if st == tasks.StatusCancelled {
		r.Status = "cancelled"
	}
	return r, nil
}

// runRollout plans every selected stack, skips those that are not ready
// (reporting their owners), and upgrades the ready ones in waves of
// MaxConcurrent. With StopOnFirstFailure a wave with a failure is the last.
func (s *Service) runRollout(ctx context.Context, id, workspace string, logf func(string, ...any)) error {
	r, err := s.store.Rollout(ctx, id)
	if err != nil {
		return err
	}
	if err := s.selectStacks(ctx, r); err != nil {
		r.Status, r.Error = "failed", err.Error()
		return errors.Join(err, s.saveRollout(ctx, r))
	}
	r.Status = "running"
	if err := s.saveRollout(ctx, r); err != nil {
		return err
	}
	logf("Rolling %s %s out to %d selected stacks", r.Template, r.ToVersion, len(r.Stacks))
	var queue []int
	for i, st := range r.Stacks {
		if st.State == StatePending {
			queue = append(queue, i)
		}
	}
	for start := 0; start < len(queue); start += r.MaxConcurrent {
		wave := queue[start:min(start+r.MaxConcurrent, len(queue))]
		r.Waves++
		failed := s.runWave(ctx, r, wave, filepath.Join(workspace, fmt.Sprintf("wave-%d", r.Waves)), logf)
		if err := ctx.Err(); err != nil {
			r.Status = "cancelled"
			markNotStarted(r, queue[start:])
			return errors.Join(err, s.saveRollout(context.WithoutCancel(ctx), r))
		}
		if failed && r.StopOnFirstFailure {
			r.Status = "stopped"
			markNotStarted(r, queue[start:])
			logf("Stopped after wave %d: a stack failed to upgrade", r.Waves)
			return s.saveRollout(ctx, r)
		}
		if err := s.saveRollout(ctx, r); err != nil {
			return err
		}
	}
	r.Status = "completed"
	logf("Rollout done: %v", r.Summary)
	return s.saveRollout(ctx, r)
}

// selectStacks fills r.Stacks with the template's stacks that r.Selector
// picks, each planned into its fleet group; only ready stacks stay pending.
func (s *Service) selectStacks(ctx context.Context, r *store.Rollout) error {
	list, err := s.store.List(ctx, store.Filter{Template: r.Template})
	if err != nil {
		return err
	}
	r.Stacks, r.BlockedOwners = nil, nil
	for _, st := range list {
		if !picks(r.Selector, st) {
			continue
		}
		rs := store.RolloutStack{Stack: st.Ref(), Owner: st.Owner, From: st.Version, State: StateSkipped}
		p, err := s.plan(ctx, st, r.ToVersion)
		switch {
		case err != nil:
			rs.Group, rs.Reason = GroupFailed, err.Error()
		default:
			rs.Group = groupOf(p)
			rs.Reason = skipReason(p)
			if p.Status == upgrade.StatusReady {
				rs.State, rs.Reason = StatePending, ""
			}
		}
		if rs.Group != GroupUpToDate && rs.Group != GroupReady {
			blocked(r, rs)
		}
		r.Stacks = append(r.Stacks, rs)
	}
	return nil
}

func picks(sel store.Selector, st *store.Stack) bool {
	return (len(sel.Owners) == 0 || slices.Contains(sel.Owners, st.Owner)) &&
		(len(sel.Stacks) == 0 || slices.Contains(sel.Stacks, st.Ref())) &&
		(len(sel.Versions) == 0 || slices.Contains(sel.Versions, st.Version))
}

func skipReason(p *upgrade.Plan) string {
	switch p.Status {
	case upgrade.StatusUpToDate:
		return "already on " + p.To
	case upgrade.StatusReady:
		return ""
	}
	return proposal(p)
}

// blocked reports a skipped stack's owner.
func blocked(r *store.Rollout, rs store.RolloutStack) {
	for i := range r.BlockedOwners {
		if b := &r.BlockedOwners[i]; b.Owner == rs.Owner && b.Group == rs.Group {
			b.Stacks = append(b.Stacks, rs.Stack)
			return
		}
	}
	r.BlockedOwners = append(r.BlockedOwners, store.BlockedOwner{Owner: rs.Owner, Group: rs.Group, Stacks: []string{rs.Stack}})
}

// runWave upgrades the stacks at indexes wave concurrently and reports
// whether any failed.
func (s *Service) runWave(ctx context.Context, r *store.Rollout, wave []int, dir string, logf func(string, ...any)) bool {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for _, i := range wave {
		wg.Add(1)
		go func(rs *store.RolloutStack) {
			defer wg.Done()
			a, err := s.upgradeOne(ctx, rs.Stack, r, filepath.Join(dir, rs.Stack), logf)
			mu.Lock()
			defer mu.Unlock()
			rs.Wave = r.Waves
			switch {
			case err != nil:
				rs.State, rs.Reason, failed = StateFailed, err.Error(), true
			case a.Merged:
				rs.State, rs.Commit = StateUpgraded, a.Commit
			default:
				rs.State, rs.Reason = StateSkipped, "changed since it was planned: "+a.Note
			}
			logf("Wave %d: %s %s %s", r.Waves, rs.Stack, rs.State, rs.Reason)
		}(&r.Stacks[i])
	}
	wg.Wait()
	return failed
}

func (s *Service) upgradeOne(ctx context.Context, ref string, r *store.Rollout, dir string, logf func(string, ...any)) (*Applied, error) {
	ns, name, _ := cut(ref)
	st, err := s.store.Get(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return s.apply(ctx, st, r.ToVersion, applyOptions{OnlyReady: true, By: r.CreatedBy, Workdir: dir,
		Logf: func(f string, args ...any) { logf(ref+": "+f, args...) }})
}

func markNotStarted(r *store.Rollout, idx []int) {
	for _, i := range idx {
		if r.Stacks[i].State == StatePending {
			r.Stacks[i].State = StateNotStarted
		}
	}
}

// saveRollout recounts the summary and stores r.
func (s *Service) saveRollout(ctx context.Context, r *store.Rollout) error {
	r.Summary = map[string]int{}
	for _, st := range r.Stacks {
		r.Summary[st.State]++
	}
	return s.store.SaveRollout(ctx, r)
}
