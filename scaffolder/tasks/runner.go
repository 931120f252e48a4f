package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/templating"
)

// ErrCancelled is the cause a run's context is cancelled with when the
// task is cancelled.
var ErrCancelled = errors.New("task cancelled")

// ErrShutdown is the cause a run's context is cancelled with when the
// process stops. The run ends without writing anything, as in a crash, and
// the janitor of a live process recovers the task later.
var ErrShutdown = errors.New("worker shutting down")

// Sink receives the events of a run.
type Sink interface {
	Emit(ctx context.Context, typ EventType, body Body) error
}

// Runner executes a task spec step by step, as Backstage's
// NunjucksWorkflowRunner does.
type Runner struct {
	engine  *templating.Engine
	actions *actions.Registry
	log     *slog.Logger
}

// NewRunner returns a Runner.
func NewRunner(engine *templating.Engine, reg *actions.Registry, log *slog.Logger) *Runner {
	return &Runner{engine: engine, actions: reg, log: log}
}

// Actions returns the runner's action registry.
func (r *Runner) Actions() *actions.Registry { return r.actions }

// Run is one execution of a task.
type Run struct {
	TaskID    string
	Spec      *Spec
	Secrets   map[string]string
	Workspace string
	DryRun    bool
	// State holds the steps finished by an earlier attempt; they are not
	// run again. It is updated as steps finish.
	State State
	// SaveState persists State after each finished step, if set.
	SaveState func(ctx context.Context, st State) error
}

// Result is how a run ended.
type Result struct {
	Status Status
	Output map[string]any
	// Err is the first step failure, or the cancellation.
	Err error
}

// Completion returns the body of the completion event for res.
func (res Result) Completion() Body {
	b := Body{Message: "Run completed with status: " + string(res.Status)}
	if res.Status == StatusCompleted {
		out := res.Output
		if out == nil {
			out = map[string]any{}
		}
		b.Output = out
		return b
	}
	if res.Err != nil {
		b.Error = &ErrorBody{Name: errorName(res.Err), Message: res.Err.Error()}
	}
	return b
}

// errorName is the Backstage error name of err.
func errorName(err error) string {
	switch {
	case errors.Is(err, errs.ErrInput):
		return "InputError"
	case errors.Is(err, errs.ErrNotFound):
		return "NotFoundError"
	case errors.Is(err, errs.ErrNotAllowed):
		return "NotAllowedError"
	case errors.Is(err, errs.ErrConflict):
		return "ConflictError"
	}
	return "Error"
}

// runState is the mutable state of one run.
type runState struct {
	run      *Run
	sink     Sink
	steps    map[string]any
	failed   error
	cancel   error
	redactor *strings.Replacer
}

// Run executes the steps of run and reports how it ended. It returns
// ErrLost in Result.Err, with no status, when the task was taken away.
func (r *Runner) Run(ctx context.Context, run Run, sink Sink) Result {
	st := &runState{run: &run, steps: map[string]any{}, redactor: redactorFor(run.Secrets)}
	st.sink = redactingSink{sink: sink, r: st.redactor}
	if run.State.Steps == nil {
		run.State.Steps = map[string]StepState{}
	}
	n := len(run.Spec.Steps)
	if run.DryRun {
		n++ // the hidden step that serialises the workspace
	}
	st.emit(ctx, Body{Message: fmt.Sprintf("Starting up task with %d steps", n)})
	for i := range run.Spec.Steps {
		step := &run.Spec.Steps[i]
		if err := r.step(ctx, st, step); errors.Is(err, ErrLost) {
			return Result{Err: ErrLost}
		}
	}
	switch {
	case st.cancel != nil:
		return Result{Status: StatusCancelled, Err: st.cancel}
	case st.failed != nil:
		return Result{Status: StatusFailed, Err: redactErr(st.redactor, st.failed)}
	}
	out, err := r.renderOutput(ctx, st)
	if err != nil {
		return Result{Status: StatusFailed, Err: err}
	}
	return Result{Status: StatusCompleted, Output: redactValue(st.redactor, out).(map[string]any)}
}

// step runs one step, or records why it did not run.
func (r *Runner) step(ctx context.Context, st *runState, step *Step) error {
	if done, ok := st.run.State.Steps[step.ID]; ok && done.Status == StatusCompleted {
		st.steps[step.ID] = map[string]any{"output": nonNil(done.Output)}
		st.emit(ctx, Body{StepID: step.ID, Status: StatusCompleted,
			Message: fmt.Sprintf("Skipping step %s because it was already completed before the task was recovered", step.ID)})
		return nil
	}
	if errors.Is(context.Cause(ctx), ErrShutdown) {
		return ErrLost
	}
	if st.cancel == nil && errors.Is(context.Cause(ctx), ErrCancelled) {
		st.cancelled(ctx, step, false)
		return nil
	}
	if st.cancel != nil {
		st.emit(ctx, Body{StepID: step.ID, Status: StatusSkipped, Message: fmt.Sprintf("Skipping step %s because the task was cancelled", step.ID)})
		return nil
	}
	if st.failed != nil && !runsAfterFailure(step.If) {
		st.emit(ctx, Body{StepID: step.ID, Status: StatusSkipped, Message: fmt.Sprintf("Skipping step %s because a previous step failed", step.ID)})
		return nil
	}
	st.emit(ctx, Body{StepID: step.ID, Status: StatusProcessing, Message: "Beginning step " + step.Name})
	err := r.execute(ctx, st, step)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrLost), errors.Is(context.Cause(ctx), ErrShutdown):
		return ErrLost
	case errors.Is(context.Cause(ctx), ErrCancelled):
		st.cancelled(ctx, step, true)
	default:
		st.emit(ctx, Body{StepID: step.ID, Status: StatusFailed, Message: errorName(err) + ": " + err.Error()})
		if st.failed == nil {
			st.failed = err
		}
	}
	return nil
}

// cancelled records the cancellation at step: the cancelled event and, if
// the step had started, its terminal log.
func (st *runState) cancelled(ctx context.Context, step *Step, started bool) {
	msg := fmt.Sprintf("Step %s (%s) of task %s has been cancelled.", step.ID, step.Name, st.run.TaskID)
	st.cancel = errors.New(msg)
	st.emitType(ctx, EventCancelled, Body{StepID: step.ID, Status: StatusCancelled, Message: fmt.Sprintf("Step %s has been cancelled.", step.ID)})
	if started {
		st.emit(ctx, Body{StepID: step.ID, Status: StatusCancelled, Message: msg})
	} else {
		st.emit(ctx, Body{StepID: step.ID, Status: StatusSkipped, Message: fmt.Sprintf("Skipping step %s because the task was cancelled", step.ID)})
	}
}

func (st *runState) emit(ctx context.Context, b Body) { st.emitType(ctx, EventLog, b) }

func (st *runState) emitType(ctx context.Context, typ EventType, b Body) {
	// Events must reach the store even after the run's context was
	// cancelled: a cancelled run still reports how it ended.
	_ = st.sink.Emit(context.WithoutCancel(ctx), typ, b)
}

// runsAfterFailure reports whether a step's if calls always() or
// failure(), which makes it run after an earlier step failed.
func runsAfterFailure(cond any) bool {
	s, ok := cond.(string)
	return ok && (strings.Contains(s, "always()") || strings.Contains(s, "failure()"))
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
