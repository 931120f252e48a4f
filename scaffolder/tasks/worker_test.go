package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db/dbtest"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/scaffoldertest"
	"github.com/stackyard/stackyard/scaffolder/tasks"
	"github.com/stackyard/stackyard/scaffolder/templating"
)

// counter is a test action, test:count, that counts runs per task and
// can wait for a while.
type counter struct {
	mu    sync.Mutex
	runs  map[string]int
	order []string
}

func (c *counter) Describe() actions.Description {
	return actions.Description{ID: "test:count", Input: map[string]any{"type": "object"}}
}

func (c *counter) Run(ctx context.Context, ac *actions.Context) error {
	c.mu.Lock()
	if c.runs == nil {
		c.runs = map[string]int{}
	}
	c.runs[ac.TaskID+"/"+ac.StepID]++
	c.order = append(c.order, ac.TaskID)
	c.mu.Unlock()
	if ms, ok := ac.Input["ms"].(float64); ok {
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

func (c *counter) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.runs[key]
}

// rig is a store and a way to make workers on it.
type rig struct {
	g     *gorm.DB
	store *tasks.Store
	count *counter
}

func newRig(t *testing.T) *rig {
	t.Helper()
	g := dbtest.Open(t)
	return &rig{g: g, store: tasks.NewStore(g, nil), count: &counter{}}
}

// worker starts a worker on its own store (as another replica would) and
// stops it at the end of the test.
func (r *rig) worker(t *testing.T, opts tasks.WorkerOptions) (*tasks.Worker, context.CancelFunc) {
	t.Helper()
	reg := actions.NewRegistry(actions.Options{})
	reg.Register(r.count)
	runner := tasks.NewRunner(templating.New(templating.Options{}), reg, scaffoldertest.Quiet())
	if opts.WorkspaceDir == "" {
		opts.WorkspaceDir = t.TempDir()
	}
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = 50 * time.Millisecond
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	w := tasks.NewWorker(tasks.NewStore(r.g, nil), runner, tasks.NewVault(), opts, scaffoldertest.Quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	stop := func() { cancel(); <-done }
	t.Cleanup(stop)
	return w, stop
}

// spec is a task spec of count steps; recoverable sets startOver.
func spec(t *testing.T, recoverable bool, steps ...map[string]any) json.RawMessage {
	t.Helper()
	s := tasks.Spec{APIVersion: "scaffolder.backstage.io/v1beta3", Output: map[string]any{}, Parameters: map[string]any{}}
	for i, in := range steps {
		id := fmt.Sprintf("s%d", i+1)
		s.Steps = append(s.Steps, tasks.Step{ID: id, Name: id, Action: "test:count", Input: in})
	}
	if recoverable {
		s.Recovery = &tasks.Recovery{Strategy: "startOver"}
	}
	data, _ := json.Marshal(s)
	return data
}

func (r *rig) create(t *testing.T, specJSON json.RawMessage, holder string) string {
	t.Helper()
	id := uuid.NewString()
	if err := r.store.Create(context.Background(), tasks.NewTask{ID: id, Spec: specJSON, CreatedBy: "user:default/t", HolderNode: holder}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (r *rig) wait(t *testing.T, id string, want tasks.Status) tasks.Task {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		task, err := r.store.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if task.Status == want {
			return task
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s is %s, want %s", id, task.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *rig) trace(t *testing.T, id string) []string {
	t.Helper()
	events, err := r.store.Events(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(events))
	for i, e := range events {
		var b tasks.Body
		_ = json.Unmarshal(e.Body, &b)
		out[i] = fmt.Sprintf("%s %s %s", e.Type, b.StepID, b.Status)
	}
	return out
}

func TestWorker_ClaimsFIFO(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	var ids []string
	for range 5 {
		ids = append(ids, r.create(t, spec(t, false, map[string]any{}), ""))
		time.Sleep(2 * time.Millisecond)
	}
	r.worker(t, tasks.WorkerOptions{Concurrency: 1})
	r.wait(t, ids[4], tasks.StatusCompleted)
	r.count.mu.Lock()
	defer r.count.mu.Unlock()
	if diff := cmp.Diff(ids, r.count.order); diff != "" {
		t.Errorf("run order (-want +got):\n%s", diff)
	}
}

func TestWorker_TwoReplicasRunEachTaskOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.worker(t, tasks.WorkerOptions{Concurrency: 8})
	r.worker(t, tasks.WorkerOptions{Concurrency: 8})
	var ids []string
	for range 60 {
		ids = append(ids, r.create(t, spec(t, false, map[string]any{"ms": 5}, map[string]any{}), ""))
	}
	for _, id := range ids {
		r.wait(t, id, tasks.StatusCompleted)
		for _, step := range []string{"s1", "s2"} {
			if n := r.count.count(id + "/" + step); n != 1 {
				t.Errorf("task %s step %s ran %d times", id, step, n)
			}
		}
	}
}

// abandon makes a task look like its holder died mid-run: claimed by a
// node that no longer heartbeats, first step finished, second started.
func (r *rig) abandon(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	task, err := r.store.Claim(ctx, "dead-node")
	if err != nil || task == nil || task.ID != id {
		t.Fatalf("claim as dead node: %v %v", task, err)
	}
	_ = r.store.AppendEvent(ctx, id, tasks.EventLog, tasks.Body{Message: "Starting up task with 2 steps"})
	_ = r.store.AppendEvent(ctx, id, tasks.EventLog, tasks.Body{StepID: "s1", Status: tasks.StatusProcessing})
	_ = r.store.AppendEvent(ctx, id, tasks.EventLog, tasks.Body{StepID: "s1", Status: tasks.StatusCompleted})
	_ = r.store.AppendEvent(ctx, id, tasks.EventLog, tasks.Body{StepID: "s2", Status: tasks.StatusProcessing})
	st := tasks.State{Steps: map[string]tasks.StepState{"s1": {Status: tasks.StatusCompleted, Output: map[string]any{}}}}
	if err := r.store.SaveState(ctx, id, "dead-node", st); err != nil {
		t.Fatal(err)
	}
	if err := r.g.Exec("UPDATE scaffolder_tasks SET last_heartbeat_at = ? WHERE id = ?", tasks.Millis(time.Now().Add(-time.Hour)), id).Error; err != nil {
		t.Fatal(err)
	}
}

func TestJanitor_ResumesRecoverableTask(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	id := r.create(t, spec(t, true, map[string]any{}, map[string]any{}), "")
	r.abandon(t, id)
	r.worker(t, tasks.WorkerOptions{Concurrency: 2, StaleTimeout: 200 * time.Millisecond})
	r.wait(t, id, tasks.StatusCompleted)
	if r.count.count(id+"/s1") != 0 || r.count.count(id+"/s2") != 1 {
		t.Errorf("runs: s1 %d, s2 %d; want 0 and 1", r.count.count(id+"/s1"), r.count.count(id+"/s2"))
	}
	want := []string{"recovered  ", "log  ", "log s1 completed", "log s2 processing", "log s2 completed", "completion  "}
	if diff := cmp.Diff(want, r.trace(t, id)); diff != "" {
		t.Errorf("visible events (-want +got):\n%s", diff)
	}
}

func TestJanitor_FailsStaleTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		recoverable bool
		holder      string
		wantMessage string
	}{
		{"not recoverable", false, "", tasks.StaleMessage},
		{"needs secrets", true, "dead-node", tasks.SecretsLostMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			id := r.create(t, spec(t, tt.recoverable, map[string]any{}, map[string]any{}), tt.holder)
			r.abandon(t, id)
			r.worker(t, tasks.WorkerOptions{Concurrency: 1, StaleTimeout: 200 * time.Millisecond})
			r.wait(t, id, tasks.StatusFailed)
			trace := r.trace(t, id)
			if diff := cmp.Diff([]string{"log s2 failed", "completion  "}, trace[len(trace)-2:]); diff != "" {
				t.Errorf("trace tail (-want +got):\n%s", diff)
			}
			events, _ := r.store.Events(context.Background(), id, 0)
			var b tasks.Body
			_ = json.Unmarshal(events[len(events)-1].Body, &b)
			if b.Error == nil || b.Error.Message != tt.wantMessage {
				t.Errorf("completion = %+v", b)
			}
		})
	}
}

func TestWorker_OpenTaskWithLostSecretsFails(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	id := r.create(t, spec(t, false, map[string]any{}), "dead-node")
	_ = r.g.Exec("UPDATE scaffolder_tasks SET last_heartbeat_at = ? WHERE id = ?", tasks.Millis(time.Now().Add(-time.Hour)), id)
	r.worker(t, tasks.WorkerOptions{Concurrency: 1, StaleTimeout: 200 * time.Millisecond})
	r.wait(t, id, tasks.StatusFailed)
	if r.count.count(id+"/s1") != 0 {
		t.Error("a task whose secrets were lost ran")
	}
}

func TestWorker_CancelThroughAnotherReplica(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.worker(t, tasks.WorkerOptions{Concurrency: 1})
	id := r.create(t, spec(t, false, map[string]any{"ms": 60000}, map[string]any{}), "")
	r.wait(t, id, tasks.StatusProcessing)
	for r.count.count(id+"/s1") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	// The API of another replica only flags the task.
	if now, err := tasks.NewStore(r.g, nil).RequestCancel(context.Background(), id); err != nil || now {
		t.Fatalf("RequestCancel = %v, %v", now, err)
	}
	r.wait(t, id, tasks.StatusCancelled)
	if r.count.count(id+"/s2") != 0 {
		t.Error("a step after the cancel ran")
	}
}

func TestWorker_ShutdownLeavesTaskForRecovery(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	_, stop := r.worker(t, tasks.WorkerOptions{Concurrency: 1})
	id := r.create(t, spec(t, true, map[string]any{"ms": 60000}), "")
	r.wait(t, id, tasks.StatusProcessing)
	for r.count.count(id+"/s1") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if task, _ := r.store.Get(context.Background(), id); task.Status != tasks.StatusProcessing {
		t.Fatalf("after shutdown the task is %s", task.Status)
	}
	r.worker(t, tasks.WorkerOptions{Concurrency: 1, StaleTimeout: 300 * time.Millisecond})
	deadline := time.Now().Add(10 * time.Second)
	for r.count.count(id+"/s1") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the recovered task did not run again")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
