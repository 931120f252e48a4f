package httpapi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/scaffoldertest"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// benchTemplate is the benchmark template: fetch:template with 20
// files, catalog:register and debug:log.
const benchTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: bench, title: Bench}
spec:
  type: service
  parameters:
    properties:
      name: {type: string}
  steps:
    - id: fetch
      name: Fetch
      action: fetch:template
      input: {url: ./skeleton, values: {name: "${{ parameters.name }}"}}
    - id: register
      name: Register
      action: catalog:register
      input: {catalogInfoUrl: "https://git.example.com/bench/catalog-info.yaml"}
    - id: log
      name: Log
      action: debug:log
      input: {message: "Created ${{ parameters.name }}"}
  output:
    links: [{title: Entity, entityRef: "${{ steps.register.output.entityRef }}"}]
`

func newBenchServer(b *testing.B, concurrency int) *scaffoldertest.Server {
	b.Helper()
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("skeleton/dir-%d/file-%02d.md", i%4, i)] = strings.Repeat("line ${{ values.name }}\n", 20)
	}
	tpl := scaffoldertest.Template(b, b.TempDir(), benchTemplate, files)
	comp := model.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "bench", "namespace": "default"}}
	cat := scaffoldertest.NewCatalog(tpl)
	cat.AddURL("https://git.example.com/bench/catalog-info.yaml", comp)
	opts := scaffoldertest.Options{}
	opts.Scaffolder.Worker.Concurrency = concurrency
	return scaffoldertest.NewServer(b, cat, opts)
}

// launchAndWait posts a task and reads its event stream to completion.
func launchAndWait(b *testing.B, srv *scaffoldertest.Server, client *http.Client) {
	body := strings.NewReader(`{"templateRef":"template:default/bench","values":{"name":"svc"}}`)
	resp, err := client.Post(srv.URL+"/api/scaffolder/v2/tasks", "application/json", body)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("create: %v %v", resp, err)
	}
	var out struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	resp, err = client.Get(srv.URL + "/api/scaffolder/v2/tasks/" + out.ID + "/eventstream")
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	done := false
	for sc.Scan() {
		if sc.Text() == "event: completion" {
			done = true
		}
		if done && strings.HasPrefix(sc.Text(), "data: ") {
			if !strings.Contains(sc.Text(), "status: completed") {
				b.Fatalf("task failed: %s", sc.Text())
			}
			break
		}
	}
	resp.Body.Close()
}

// BenchmarkTask_Latency measures POST /v2/tasks to the completion event.
func BenchmarkTask_Latency(b *testing.B) {
	srv := newBenchServer(b, 10)
	client := &http.Client{}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		launchAndWait(b, srv, client)
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, durations)
}

// BenchmarkTasks_Throughput200 launches 200 tasks at once and waits for
// all of them; it checks none is lost or run twice.
func BenchmarkTasks_Throughput200(b *testing.B) {
	srv := newBenchServer(b, 10)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		start := time.Now()
		for range 200 {
			wg.Add(1)
			go func() { defer wg.Done(); launchAndWait(b, srv, client) }()
		}
		wg.Wait()
		b.ReportMetric(200/time.Since(start).Seconds(), "tasks/s")
	}
	b.StopTimer()
	var starts, completions int64
	g := srv.Service.Store().DB()
	g.Raw("SELECT COUNT(*) FROM scaffolder_task_events WHERE body LIKE '%Starting up task%'").Scan(&starts)
	g.Raw("SELECT COUNT(*) FROM scaffolder_task_events WHERE event_type = 'completion'").Scan(&completions)
	if want := int64(200 * b.N); starts != want || completions != want {
		b.Fatalf("%d starts and %d completions for %d tasks", starts, completions, want)
	}
}

// seedFinished stores n finished tasks with a realistic spec and events.
func seedFinished(b *testing.B, g *gorm.DB, n int) string {
	b.Helper()
	spec, _ := json.Marshal(tasks.Spec{APIVersion: "scaffolder.backstage.io/v1beta3",
		Steps:      []tasks.Step{{ID: "fetch", Name: "Fetch", Action: "fetch:template", Input: map[string]any{"url": "./skeleton"}}},
		Parameters: map[string]any{"name": "svc", "description": strings.Repeat("x", 200)},
		User:       tasks.User{Ref: "user:default/jane", Entity: map[string]any{"kind": "User", "spec": map[string]any{"memberOf": []string{"team-a"}}}},
		TemplateInfo: tasks.TemplateInfo{EntityRef: "template:default/bench",
			Entity: map[string]any{"metadata": map[string]any{"name": "bench", "title": "Bench", "description": strings.Repeat("d", 300)}}}})
	var last string
	now := time.Now().Add(-time.Hour).UnixMilli()
	err := g.Transaction(func(tx *gorm.DB) error {
		for i := range n {
			id := uuid.NewString()
			ts := now + int64(i)
			if err := tx.Exec(`INSERT INTO scaffolder_tasks (id, spec, status, created_at, queued_at, last_heartbeat_at, created_by, state)
  VALUES (?, ?, 'completed', ?, ?, ?, 'user:default/jane', '{}')`, id, string(spec), ts, ts, ts).Error; err != nil {
				return err
			}
			for _, body := range []string{`{"message":"Starting up task with 1 steps"}`,
				`{"message":"Beginning step Fetch","stepId":"fetch","status":"processing"}`,
				`{"message":"info: Fetching template","stepId":"fetch"}`,
				`{"message":"Finished step Fetch","stepId":"fetch","status":"completed"}`} {
				if err := tx.Exec("INSERT INTO scaffolder_task_events (task_id, event_type, body, created_at) VALUES (?, 'log', ?, ?)", id, body, ts).Error; err != nil {
					return err
				}
			}
			if err := tx.Exec("INSERT INTO scaffolder_task_events (task_id, event_type, body, created_at) VALUES (?, 'completion', ?, ?)",
				id, `{"message":"Run completed with status: completed","output":{}}`, ts).Error; err != nil {
				return err
			}
			last = id
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return last
}

func tenThousand(b *testing.B) (*scaffoldertest.Server, string) {
	b.Helper()
	srv := newBenchServer(b, 1)
	id := seedFinished(b, srv.Service.Store().DB(), 10_000)
	return srv, id
}

// BenchmarkListTasks_10k measures GET /v2/tasks?limit=20 with 10,000
// finished tasks stored.
func BenchmarkListTasks_10k(b *testing.B) {
	srv, _ := tenThousand(b)
	benchGET(b, srv.URL+"/api/scaffolder/v2/tasks?limit=20", func(body []byte) {
		var list scaffolder.TaskList
		if err := json.Unmarshal(body, &list); err != nil || len(list.Tasks) != 20 || list.TotalTasks != 10_000 {
			b.Fatalf("list = %d tasks of %d: %v", len(list.Tasks), list.TotalTasks, err)
		}
	})
}

// BenchmarkEventStream_10k reads one finished task's event stream with
// 10,000 finished tasks stored.
func BenchmarkEventStream_10k(b *testing.B) {
	srv, id := tenThousand(b)
	benchGET(b, srv.URL+"/api/scaffolder/v2/tasks/"+id+"/eventstream", func(body []byte) {
		if strings.Count(string(body), "event: ") != 5 {
			b.Fatalf("stream = %s", body)
		}
	})
}

func benchGET(b *testing.B, url string, check func([]byte)) {
	client := &http.Client{}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		var sb strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&sb)
		resp.Body.Close()
		durations = append(durations, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s = %d", url, resp.StatusCode)
		}
		check([]byte(sb.String()))
	}
	b.StopTimer()
	reportPercentiles(b, durations)
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
