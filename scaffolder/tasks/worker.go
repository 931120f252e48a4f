package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/stackyard/stackyard/internal/loop"
)

// WorkerOptions configures a Worker. Zero durations get defaults.
type WorkerOptions struct {
	// Node identifies this process among replicas (default: a new uuid).
	Node string
	// Concurrency is how many tasks run at once; 0 runs none, so the
	// process serves the API only.
	Concurrency int
	// WorkspaceDir holds one directory per running task.
	WorkspaceDir string
	// HeartbeatInterval is how often held tasks are marked alive (1 s).
	HeartbeatInterval time.Duration
	// StaleTimeout is how old a heartbeat may get before the janitor takes
	// the task over (30 s).
	StaleTimeout time.Duration
	// JanitorInterval is how often the janitor looks (StaleTimeout/3).
	JanitorInterval time.Duration
	// PollInterval is how often an idle worker looks for work created on
	// other replicas (1 s).
	PollInterval time.Duration
}

// Worker claims and runs tasks. See the package documentation.
type Worker struct {
	store  *Store
	runner *Runner
	vault  *Vault
	opts   WorkerOptions
	log    *slog.Logger

	wake    chan struct{}
	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
	wg      sync.WaitGroup
}

// NewWorker returns a Worker.
func NewWorker(st *Store, r *Runner, v *Vault, opts WorkerOptions, log *slog.Logger) *Worker {
	if opts.Node == "" {
		opts.Node = uuid.NewString()
	}
	if opts.WorkspaceDir == "" {
		opts.WorkspaceDir = filepath.Join(os.TempDir(), "stackyard-scaffolder")
	}
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = time.Second
	}
	if opts.StaleTimeout == 0 {
		opts.StaleTimeout = 30 * time.Second
	}
	if opts.JanitorInterval == 0 {
		opts.JanitorInterval = max(opts.StaleTimeout/3, 200*time.Millisecond)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Second
	}
	return &Worker{store: st, runner: r, vault: v, opts: opts, log: log.With("node", opts.Node),
		wake: make(chan struct{}, 1), running: map[string]context.CancelCauseFunc{}}
}

// Node returns the worker's node id.
func (w *Worker) Node() string { return w.opts.Node }

// Wake makes an idle worker look for work now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Cancel stops a task running in this process; it reports whether one was.
func (w *Worker) Cancel(id string) bool {
	w.mu.Lock()
	cancel, ok := w.running[id]
	w.mu.Unlock()
	if ok {
		cancel(ErrCancelled)
	}
	return ok
}

// Run claims and runs tasks, heartbeats them and recovers stale ones
// until ctx is done. Tasks still running then stop without writing their
// end, as in a crash; a live janitor recovers them.
func (w *Worker) Run(ctx context.Context) {
	base, stop := context.WithCancelCause(context.WithoutCancel(ctx))
	var loops sync.WaitGroup
	loops.Add(2)
	go func() { defer loops.Done(); every(ctx, w.opts.HeartbeatInterval, w.heartbeat) }()
	go func() { defer loops.Done(); every(ctx, w.opts.JanitorInterval, w.janitor) }()
	if w.opts.Concurrency > 0 {
		w.claimLoop(ctx, base)
	} else {
		<-ctx.Done()
	}
	stop(ErrShutdown)
	w.wg.Wait()
	loops.Wait()
}

// every calls fn now and then every d until ctx is done.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	fn(ctx)
	loop.Every(ctx, d, fn)
}

// claimLoop fills free slots with the oldest open tasks. A failing claim
// backs off from 1 s to 60 s with jitter; the loop itself never dies.
func (w *Worker) claimLoop(ctx, base context.Context) {
	poll := time.NewTicker(w.opts.PollInterval)
	defer poll.Stop()
	backoff := time.Duration(0)
	for {
		for w.free() > 0 {
			t, err := w.store.Claim(ctx, w.opts.Node)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				backoff = min(max(2*backoff, time.Second), time.Minute)
				w.log.Error("claim task failed", "err", err, "retry_in", backoff)
				sleep(ctx, jitter(backoff))
				continue
			}
			backoff = 0
			if t == nil {
				break
			}
			w.start(base, t)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-poll.C:
		}
	}
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (w *Worker) free() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opts.Concurrency - len(w.running)
}

// start runs a claimed task on its own goroutine.
func (w *Worker) start(base context.Context, t *Task) {
	ctx, cancel := context.WithCancelCause(base)
	w.mu.Lock()
	w.running[t.ID] = cancel
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() {
			w.mu.Lock()
			delete(w.running, t.ID)
			w.mu.Unlock()
			cancel(nil)
			w.Wake()
		}()
		w.execute(ctx, t)
	}()
}

// execute runs one task and writes its end.
func (w *Worker) execute(ctx context.Context, t *Task) {
	log := w.log.With("task_id", t.ID)
	var spec Spec
	if err := json.Unmarshal(t.Spec, &spec); err != nil {
		w.fail(ctx, t.ID, "", "Task spec is unreadable: "+err.Error())
		return
	}
	secrets, ok := w.vault.Get(t.ID)
	if t.NeedsSecrets && !ok {
		w.fail(ctx, t.ID, "", SecretsLostMessage)
		return
	}
	ws := filepath.Join(w.opts.WorkspaceDir, t.ID)
	if len(t.State.Steps) == 0 {
		_ = os.RemoveAll(ws)
	}
	if err := os.MkdirAll(ws, 0o755); err != nil {
		w.fail(ctx, t.ID, "", "Cannot create the task workspace: "+err.Error())
		return
	}
	run := Run{TaskID: t.ID, Spec: &spec, Secrets: secrets, Workspace: ws, State: t.State,
		SaveState: func(ctx context.Context, st State) error { return w.store.SaveState(ctx, t.ID, w.opts.Node, st) }}
	res := w.runner.Run(ctx, run, storeSink{store: w.store, taskID: t.ID})
	if errors.Is(res.Err, ErrLost) {
		log.Info("task left unfinished", "cause", context.Cause(ctx))
		return
	}
	if err := w.store.Complete(context.WithoutCancel(ctx), t.ID, w.opts.Node, res.Status, res.Completion()); err != nil {
		log.Error("complete task failed", "err", err)
	}
	w.vault.Delete(t.ID)
	_ = os.RemoveAll(ws)
}

// SecretsLostMessage ends a task whose secrets died with the process that
// held them.
const SecretsLostMessage = "This task cannot be recovered: its secrets were kept only in the memory of the process that stopped. Retry it and enter the secrets again."

// fail ends a task this node holds as failed, with a failed log for the
// step that was running, if any.
func (w *Worker) fail(ctx context.Context, id, stepID, msg string) {
	ctx = context.WithoutCancel(ctx)
	if stepID != "" {
		_ = w.store.AppendEvent(ctx, id, EventLog, Body{StepID: stepID, Status: StatusFailed, Message: "Error: " + msg})
	}
	body := Body{Message: "Run completed with status: failed", Error: &ErrorBody{Name: "Error", Message: msg}}
	if err := w.store.Complete(ctx, id, w.opts.Node, StatusFailed, body); err != nil {
		w.log.Error("fail task failed", "task_id", id, "err", err)
	}
	w.vault.Delete(id)
}

// storeSink appends run events to the store.
type storeSink struct {
	store  *Store
	taskID string
}

func (s storeSink) Emit(ctx context.Context, typ EventType, b Body) error {
	return s.store.AppendEvent(ctx, s.taskID, typ, b)
}

// WorkspaceDir returns the directory task workspaces live in, creating it.
func (w *Worker) WorkspaceDir() string {
	_ = os.MkdirAll(w.opts.WorkspaceDir, 0o755)
	return w.opts.WorkspaceDir
}
