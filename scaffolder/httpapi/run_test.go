package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/scaffoldertest"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

func TestAPI_RunToCompletion(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "template:default/demo", map[string]any{"name": "x", "extra": "dropped"}, nil)
	msgs, ctype := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	if ctype != "text/event-stream" {
		t.Errorf("content type = %q", ctype)
	}
	events := eventsOf(msgs)
	want := []string{"log", "log fetch processing", "log fetch", "log fetch", "log fetch completed",
		"log log processing", "log log", "log log", "log log completed",
		"log boom processing", "log boom skipped",
		"log step-4 processing", "log step-4", "log step-4", "log step-4 completed", "completion"}
	if diff := cmp.Diff(want, scaffoldertest.Trace(t, events)); diff != "" {
		t.Errorf("event trace (-want +got):\n%s", diff)
	}
	for i, m := range msgs {
		if m.Event != string(m.Data.Type) || m.Data.TaskID != id || m.Data.CreatedAt == "" {
			t.Errorf("message %d = %+v", i, m)
		}
		if i > 0 && m.Data.ID <= msgs[i-1].Data.ID {
			t.Errorf("event ids not increasing: %d after %d", m.Data.ID, msgs[i-1].Data.ID)
		}
	}
	last := scaffoldertest.Bodies(t, events)[len(events)-1]
	wantOut := map[string]any{"links": []any{map[string]any{"title": "Repo", "url": "https://example.com/x"}}, "custom": "x"}
	if diff := cmp.Diff(wantOut, last.Output); diff != "" || last.Message != "Run completed with status: completed" {
		t.Errorf("completion %q output (-want +got):\n%s", last.Message, diff)
	}
	status, body, _ := call(t, srv, "GET", "/v2/tasks/"+id, nil)
	var task struct {
		scaffolder.SerializedTask
		Spec tasks.Spec `json:"spec"`
	}
	if err := json.Unmarshal(body, &task); status != 200 || err != nil {
		t.Fatalf("GET task = %d %s", status, body)
	}
	if task.Status != tasks.StatusCompleted || task.CreatedBy != "user:default/jane" || task.Spec.User.Ref != "user:default/jane" ||
		task.Spec.TemplateInfo.EntityRef != "template:default/demo" || task.Spec.APIVersion != "scaffolder.backstage.io/v1beta3" {
		t.Errorf("task = %s", body)
	}
	if _, ok := task.Spec.Parameters["extra"]; ok {
		t.Errorf("hidden page value kept: %v", task.Spec.Parameters)
	}
	if s := task.Spec.Steps[3]; s.ID != "step-4" || s.Name != "debug:log" {
		t.Errorf("unnamed step = %+v", s)
	}
	// A late reader still learns the task ended.
	again, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream?after="+itoa(msgs[len(msgs)-1].Data.ID))
	if len(again) != 1 || again[0].Event != "completion" {
		t.Errorf("reconnect after completion = %+v", again)
	}
	status, body, _ = call(t, srv, "GET", "/v2/tasks/"+id+"/events?after="+itoa(msgs[3].Data.ID), nil)
	var polled []scaffolder.SerializedEvent
	_ = json.Unmarshal(body, &polled)
	if status != 200 || len(polled) != len(msgs)-4 {
		t.Errorf("long poll = %d, %d events, want %d", status, len(polled), len(msgs)-4)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestAPI_StepFailure(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "demo", map[string]any{"name": "x", "fail": true}, nil)
	msgs, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	trace := scaffoldertest.Trace(t, eventsOf(msgs))
	tail := trace[len(trace)-4:]
	want := []string{"log boom processing", "log boom failed", "log step-4 skipped", "completion"}
	if diff := cmp.Diff(want, tail); diff != "" {
		t.Errorf("trace tail (-want +got):\n%s", diff)
	}
	bodies := scaffoldertest.Bodies(t, eventsOf(msgs))
	failed := bodies[len(bodies)-3]
	if !strings.Contains(failed.Message, "Invalid input passed to action debug:log, instance.message is not of a type(s) string") {
		t.Errorf("failed message = %q", failed.Message)
	}
	done := bodies[len(bodies)-1]
	if done.Message != "Run completed with status: failed" || done.Error == nil || done.Error.Name != "InputError" {
		t.Errorf("completion = %+v", done)
	}
	if got := scaffoldertest.WaitStatus(t, srv.Service, id, time.Second, tasks.StatusFailed); got.Status != tasks.StatusFailed {
		t.Errorf("status = %s", got.Status)
	}
}

func TestAPI_TemplatingTypesEachAndSecrets(t *testing.T) {
	t.Parallel()
	srv, rec := newDemoServer(t)
	const secret = "s3cr3t-value"
	id := create(t, srv, "template:default/typed", map[string]any{"count": 3, "items": []any{"a", "b"}}, map[string]string{"TOKEN": secret})
	msgs, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	inputs := rec.Inputs()
	if len(inputs) != 3 {
		t.Fatalf("recorded %d inputs, want 3: %v", len(inputs), inputs)
	}
	if n, ok := inputs[0]["n"].(int); !ok || n != 3 || inputs[0]["s"] != "n=3" || inputs[0]["secret"] != secret {
		t.Errorf("typed input = %#v", inputs[0])
	}
	if inputs[1]["key"] != "0" || inputs[1]["value"] != "a" || inputs[2]["key"] != "1" || inputs[2]["prev"] != 3 {
		t.Errorf("each inputs = %#v", inputs[1:])
	}
	trace := scaffoldertest.Trace(t, eventsOf(msgs))
	if !contains(trace, "log skipped skipped") || !contains(trace, "log bad-each skipped") {
		t.Errorf("if: false not skipped: %v", trace)
	}
	last := scaffoldertest.Bodies(t, eventsOf(msgs))[len(msgs)-1]
	if diff := cmp.Diff(map[string]any{"n": float64(3), "keys": float64(2)}, last.Output); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	for _, path := range []string{"/v2/tasks/" + id, "/v2/tasks/" + id + "/events", "/v2/tasks"} {
		_, body, _ := call(t, srv, "GET", path, nil)
		if strings.Contains(string(body), secret) {
			t.Errorf("%s leaks the secret: %s", path, body)
		}
	}
	var stored []string
	if err := srv.Service.Store().DB().Raw("SELECT body FROM scaffolder_task_events").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	var specs []string
	srv.Service.Store().DB().Raw("SELECT spec || state FROM scaffolder_tasks").Scan(&specs)
	if strings.Contains(strings.Join(append(stored, specs...), ""), secret) {
		t.Error("the database holds the secret")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestAPI_EachUndefinedFails(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "typed", map[string]any{"count": 1, "items": []any{}, "badEach": true}, nil)
	msgs, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	bodies := scaffoldertest.Bodies(t, eventsOf(msgs))
	if done := bodies[len(bodies)-1]; done.Error == nil || !strings.Contains(done.Error.Message, "each parameter") {
		t.Errorf("completion = %+v", done)
	}
}

func TestAPI_CancelRunningTask(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "slow", map[string]any{"ms": 60000}, nil)
	waitEvent(t, srv, id, "log wait processing")
	start := time.Now()
	status, body, _ := call(t, srv, "POST", "/v2/tasks/"+id+"/cancel", nil)
	if status != 200 || string(body) != `{"status":"cancelled"}` {
		t.Fatalf("cancel = %d %q", status, body)
	}
	scaffoldertest.WaitStatus(t, srv.Service, id, 5*time.Second, tasks.StatusCancelled)
	if time.Since(start) > 3*time.Second {
		t.Errorf("cancel took %s", time.Since(start))
	}
	msgs, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	trace := scaffoldertest.Trace(t, eventsOf(msgs))
	want := []string{"log", "log wait processing", "cancelled wait cancelled", "log wait cancelled", "log after skipped", "completion"}
	if diff := cmp.Diff(want, trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	// Cancelling a finished task changes nothing.
	status, _, _ = call(t, srv, "POST", "/v2/tasks/"+id+"/cancel", nil)
	if got := scaffoldertest.WaitStatus(t, srv.Service, id, time.Second, tasks.StatusCancelled); status != 200 || got.Status != tasks.StatusCancelled {
		t.Errorf("second cancel = %d, status %s", status, got.Status)
	}
}

// waitEvent waits until a task's trace holds line.
func waitEvent(t *testing.T, srv *scaffoldertest.Server, id, line string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, body, _ := call(t, srv, "GET", "/v2/tasks/"+id+"/events", nil)
		var events []scaffolder.SerializedEvent
		_ = json.Unmarshal(body, &events)
		if contains(scaffoldertest.Trace(t, events), line) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("task %s never logged %q", id, line)
}

func TestAPI_Retry(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "demo", map[string]any{"name": "x", "fail": true}, nil)
	scaffoldertest.WaitStatus(t, srv.Service, id, 5*time.Second, tasks.StatusFailed)
	status, body, _ := call(t, srv, "POST", "/v2/tasks/"+id+"/retry", map[string]any{})
	if status != http.StatusCreated || !strings.Contains(string(body), id) {
		t.Fatalf("retry = %d %s", status, body)
	}
	scaffoldertest.WaitStatus(t, srv.Service, id, 5*time.Second, tasks.StatusFailed)
	msgs, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	trace := scaffoldertest.Trace(t, eventsOf(msgs))
	completions, recovered := 0, -1
	for i, l := range trace {
		if l == "completion" {
			completions++
		}
		if l == "recovered" {
			recovered = i
		}
	}
	if completions != 1 || recovered < 0 || trace[recovered+1] != "log" {
		t.Errorf("trace after retry = %v", trace)
	}
	// A running task cannot be retried.
	slow := create(t, srv, "slow", map[string]any{"ms": 5000}, nil)
	if status, _, _ := call(t, srv, "POST", "/v2/tasks/"+slow+"/retry", map[string]any{}); status != http.StatusConflict {
		t.Errorf("retry of running task = %d, want 409", status)
	}
	call(t, srv, "POST", "/v2/tasks/"+slow+"/cancel", nil)
}

func TestAPI_List(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, create(t, srv, "demo", map[string]any{"name": "n" + itoa(int64(i))}, nil))
		time.Sleep(5 * time.Millisecond)
	}
	srv.User = "user:default/bob"
	create(t, srv, "demo", map[string]any{"name": "bob"}, nil)
	_, body, _ := call(t, srv, "GET", "/v2/tasks?createdBy=user%3Adefault%2Fjane&limit=1&offset=0", nil)
	var list scaffolder.TaskList
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if list.TotalTasks != 3 || len(list.Tasks) != 1 || list.Tasks[0].ID != ids[2] {
		t.Errorf("jane's newest = %s", body)
	}
	scaffoldertest.WaitStatus(t, srv.Service, ids[0], 5*time.Second, tasks.StatusCompleted)
	_, body, _ = call(t, srv, "GET", "/v2/tasks?status=completed&status=failed&order=asc:created_at", nil)
	_ = json.Unmarshal(body, &list)
	for _, task := range list.Tasks {
		if task.Status != tasks.StatusCompleted && task.Status != tasks.StatusFailed {
			t.Errorf("status filter returned %s", task.Status)
		}
	}
}

func TestAPI_DryRun(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tpl := map[string]any{
		"apiVersion": "scaffolder.backstage.io/v1beta3", "kind": "Template", "metadata": map[string]any{"name": "inline"},
		"spec": map[string]any{"type": "service", "steps": []any{
			map[string]any{"id": "fetch", "name": "Fetch", "action": "fetch:template", "input": map[string]any{"url": "./skeleton", "values": map[string]any{"name": "${{ parameters.name }}"}}},
			map[string]any{"id": "wait", "action": "debug:wait", "input": map[string]any{"seconds": 30}},
			map[string]any{"id": "log", "action": "debug:log", "input": map[string]any{"message": "dry ${{ parameters.name }}"}},
		}, "output": map[string]any{"text": []any{map[string]any{"title": "t", "content": "${{ parameters.name }}"}}}},
	}
	before := countTasks(t, srv)
	status, body, _ := call(t, srv, "POST", "/v2/dry-run", map[string]any{"template": tpl, "values": map[string]any{"name": "dry"},
		"directoryContents": []any{map[string]any{"path": "skeleton/README.md", "base64Content": b64("# ${{ values.name }}\n")}}})
	if status != 200 {
		t.Fatalf("dry-run = %d %s", status, body)
	}
	var out scaffolder.DryRunResult
	_ = json.Unmarshal(body, &out)
	wantFiles := []scaffolder.File{{Path: "README.md", Base64Content: b64("# dry\n")}}
	if diff := cmp.Diff(wantFiles, out.DirectoryContents); diff != "" {
		t.Errorf("directoryContents (-want +got):\n%s", diff)
	}
	if out.Log[0].Body.Message != "Starting up task with 4 steps" || len(out.Steps) != 3 || out.Steps[2].Input["message"] != "dry ${{ parameters.name }}" {
		t.Errorf("dry-run log/steps = %s", body)
	}
	if !strings.Contains(string(body), `"status":"skipped","message":"Skipping because debug:wait does not support dry-run"`) &&
		!strings.Contains(string(body), "Skipping because debug:wait does not support dry-run") {
		t.Errorf("debug:wait not skipped: %s", body)
	}
	if countTasks(t, srv) != before {
		t.Error("dry-run stored a task")
	}
	// A failing step fails the whole request.
	tpl["spec"].(map[string]any)["steps"] = []any{map[string]any{"id": "bad", "action": "debug:log", "input": map[string]any{"message": 3}}}
	status, body, _ = call(t, srv, "POST", "/v2/dry-run", map[string]any{"template": tpl, "values": map[string]any{}, "directoryContents": []any{}})
	if status != 400 || !strings.Contains(string(body), "Invalid input passed to action debug:log") {
		t.Errorf("failing dry-run = %d %s", status, body)
	}
}

func countTasks(t *testing.T, srv *scaffoldertest.Server) int64 {
	_, body, _ := call(t, srv, "GET", "/v2/tasks", nil)
	var list scaffolder.TaskList
	_ = json.Unmarshal(body, &list)
	return list.TotalTasks
}

func TestAPI_SecretsAreRedactedFromLogs(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "secretive", map[string]any{}, map[string]string{"TOKEN": "hunter2-token"})
	msgs, _ := stream(t, srv, "/v2/tasks/"+id+"/eventstream")
	raw, _ := json.Marshal(msgs)
	if strings.Contains(string(raw), "hunter2-token") || !strings.Contains(string(raw), "token is ***") {
		t.Errorf("events = %s", raw)
	}
}

func TestAPI_LongPollHoldsWhileRunning(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	id := create(t, srv, "slow", map[string]any{"ms": 60000}, nil)
	waitEvent(t, srv, id, "log wait processing")
	_, body, _ := call(t, srv, "GET", "/v2/tasks/"+id+"/events", nil)
	var events []scaffolder.SerializedEvent
	_ = json.Unmarshal(body, &events)
	start := time.Now()
	status, body, _ := call(t, srv, "GET", "/v2/tasks/"+id+"/events?after="+itoa(events[len(events)-1].ID), nil)
	if held := time.Since(start); status != 200 || strings.TrimSpace(string(body)) != "[]" || held < time.Second {
		t.Errorf("long poll = %d %s after %s", status, body, held)
	}
	call(t, srv, "POST", "/v2/tasks/"+id+"/cancel", nil)
}
