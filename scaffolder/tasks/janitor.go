package tasks

import (
	"context"
	"encoding/json"
	"time"
)

// StaleMessage is Backstage's completion message for a stale task.
const StaleMessage = "This task was marked as stale as it exceeded its timeout"

// heartbeat marks this node's tasks alive and stops those whose cancel was
// requested through another replica.
func (w *Worker) heartbeat(ctx context.Context) {
	if err := w.store.Heartbeat(ctx, w.opts.Node); err != nil {
		if ctx.Err() == nil {
			w.log.Error("heartbeat failed", "err", err)
		}
		return
	}
	ids, err := w.store.CancelRequested(ctx, w.opts.Node)
	if err != nil {
		return
	}
	for _, id := range ids {
		w.Cancel(id)
	}
}

// janitor takes over tasks whose holder stopped heartbeating. A task whose
// template allows recovery, and that needs no secrets, is reopened and
// resumes from its first unfinished step; any other is failed.
func (w *Worker) janitor(ctx context.Context) {
	before := time.Now().Add(-w.opts.StaleTimeout)
	stale, err := w.store.Stale(ctx, before)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Error("find stale tasks failed", "err", err)
		}
		return
	}
	for _, t := range stale {
		ok, err := w.store.TakeOver(ctx, t.ID, w.opts.Node, before)
		if err != nil || !ok {
			continue
		}
		w.recover(ctx, t)
	}
}

func (w *Worker) recover(ctx context.Context, t Task) {
	log := w.log.With("task_id", t.ID)
	var spec Spec
	_ = json.Unmarshal(t.Spec, &spec)
	step := w.runningStep(ctx, t.ID)
	switch {
	case t.NeedsSecrets:
		log.Warn("failing stale task: its secrets are gone")
		w.fail(ctx, t.ID, step, SecretsLostMessage)
	case spec.Recoverable():
		log.Info("recovering stale task", "resume_after_steps", len(t.State.Steps))
		if err := w.store.Reopen(ctx, t.ID, w.opts.Node); err != nil {
			log.Error("reopen task failed", "err", err)
			return
		}
		w.Wake()
	default:
		log.Warn("failing stale task")
		w.fail(ctx, t.ID, step, StaleMessage)
	}
}

// runningStep returns the step that had started but not ended, if any.
func (w *Worker) runningStep(ctx context.Context, id string) string {
	events, err := w.store.Events(ctx, id, 0)
	if err != nil {
		return ""
	}
	open := ""
	for _, e := range events {
		var b Body
		if json.Unmarshal(e.Body, &b) != nil || b.StepID == "" || b.Status == "" {
			continue
		}
		if b.Status == StatusProcessing {
			open = b.StepID
		} else if b.StepID == open {
			open = ""
		}
	}
	return open
}
