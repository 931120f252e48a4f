package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/procstat"
)

// benchTemplateYAML is the benchmark template: fetch:template of
// 20 files, catalog:register and debug:log. %d is the fixture port.
const benchTemplateYAML = `---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: bench, title: Bench}
spec:
  type: service
  owner: group:default/team
  parameters:
    properties:
      name: {type: string}
  steps:
    - {id: fetch, name: Fetch, action: fetch:template, input: {url: ./skeleton, values: {name: "${{ parameters.name }}"}}}
    - {id: register, name: Register, action: catalog:register, input: {catalogInfoUrl: "http://127.0.0.1:%d/${{ parameters.name }}/catalog-info.yaml"}}
    - {id: log, name: Log, action: debug:log, input: {message: "Created ${{ parameters.name }}"}}
`

// TestScaffolder_BenchVsPeer measures, side by side with the real
// Backstage backend, the time from POST /v2/tasks to the completion event,
// the throughput of 200 tasks launched at once, GET /v2/tasks?limit=20 and
// peak RSS. It is a benchmark: it runs only with STACKYARD_SCAFFOLDER_BENCH=1
// and STACKYARD_PEER_DIR, and prints a table.
func TestScaffolder_BenchVsPeer(t *testing.T) {
	if os.Getenv("STACKYARD_SCAFFOLDER_BENCH") != "1" {
		t.Skip("set STACKYARD_SCAFFOLDER_BENCH=1 to run the scaffolder benchmark")
	}
	peerDir := os.Getenv("STACKYARD_PEER_DIR")
	_, err := os.Stat(filepath.Join(peerDir, "node_modules", "@backstage", "plugin-scaffolder-backend"))
	require(t, peerDir != "" && err == nil, "STACKYARD_PEER_DIR does not point at an installed peer")
	fixturePort := serveCatalogInfo(t)
	dir := t.TempDir()
	location := writeScaffolderFixture(t, dir)
	appendFile(t, location, fmt.Sprintf(benchTemplateYAML, fixturePort))

	startPeer(t, peerDir, fixturePort)
	peer := &scaffolderServer{t: t, Base: "http://" + peerAddr}
	if status, err := peer.call("POST", "/api/catalog/locations", map[string]any{"type": "file", "target": location}, nil); err != nil || status != http.StatusCreated {
		t.Fatalf("register the fixture on the peer: %d %v", status, err)
	}
	peer.waitFor(60*time.Second, func() bool {
		status, _ := peer.call("GET", "/api/scaffolder/v2/templates/default/template/bench/parameter-schema", nil, nil)
		return status == http.StatusOK
	}, "the peer serves the bench template")
	peerPID := readPID(t, filepath.Join(peerDir, "run", "backstage.pid"))
	peerResult := benchScaffolder(t, peer, "peer", peerPID)

	ours := startScaffolderServerReading(t, dir, databaseURL(t, dir), location, fixturePort)
	ours.waitFor(60*time.Second, func() bool {
		status, _ := ours.call("GET", "/api/scaffolder/v2/templates/default/template/bench/parameter-schema", nil, nil)
		return status == http.StatusOK
	}, "stackyard serves the bench template")
	oursResult := benchScaffolder(t, ours, "stackyard", ours.cmd.Process.Pid)

	t.Logf("\n| | Stackyard | Backstage 1.45.3 peer |\n|---|---|---|\n%s", strings.Join([]string{
		row("task p50, POST to completion (ms)", oursResult.p50, peerResult.p50),
		row("task p99 (ms)", oursResult.p99, peerResult.p99),
		row("200 tasks at once (tasks/s)", oursResult.throughput, peerResult.throughput),
		row("GET /v2/tasks?limit=20 p50 (ms)", oursResult.listP50, peerResult.listP50),
		row("GET /v2/tasks?limit=20 p99 (ms)", oursResult.listP99, peerResult.listP99),
		row("peak RSS (MiB)", oursResult.rssMiB, peerResult.rssMiB),
	}, "\n"))
	if oursResult.lost != 0 || peerResult.lost != 0 {
		t.Errorf("tasks not completed: stackyard %d, peer %d", oursResult.lost, peerResult.lost)
	}
}

func row(name string, ours, peer float64) string {
	return fmt.Sprintf("| %s | %.1f | %.1f |", name, ours, peer)
}

type benchResult struct {
	p50, p99, throughput, listP50, listP99, rssMiB float64
	lost                                           int
}

// benchScaffolder runs the measurements against one backend.
func benchScaffolder(t *testing.T, s *scaffolderServer, label string, pid int) benchResult {
	t.Helper()
	var r benchResult
	var lat []time.Duration
	for i := range 30 {
		start := time.Now()
		if !s.streamToCompletion(s.launch("bench", map[string]any{"name": fmt.Sprintf("%s-seq-%d", label, i)})) {
			r.lost++
		}
		lat = append(lat, time.Since(start))
	}
	r.p50, r.p99 = pct(lat, 0.5), pct(lat, 0.99)
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !s.streamToCompletion(s.launch("bench", map[string]any{"name": fmt.Sprintf("%s-par-%d", label, i)})) {
				mu.Lock()
				r.lost++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.throughput = 200 / time.Since(start).Seconds()
	var list []time.Duration
	for range 200 {
		start := time.Now()
		if status, err := s.call("GET", "/api/scaffolder/v2/tasks?limit=20", nil, nil); err != nil || status != 200 {
			t.Fatalf("%s list: %d %v", label, status, err)
		}
		list = append(list, time.Since(start))
	}
	r.listP50, r.listP99 = pct(list, 0.5), pct(list, 0.99)
	r.rssMiB = procstat.PeakRSSMiB(pid)
	return r
}

// streamToCompletion reads a task's SSE stream until its completion and
// reports whether the task completed.
func (s *scaffolderServer) streamToCompletion(id string) bool {
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Get(s.Base + "/api/scaffolder/v2/tasks/" + id + "/eventstream")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	completion := false
	for sc.Scan() {
		line := sc.Text()
		if line == "event: completion" {
			completion = true
		} else if completion && strings.HasPrefix(line, "data: ") {
			return strings.Contains(line, "Run completed with status: completed")
		}
	}
	return false
}

func pct(d []time.Duration, p float64) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// serveCatalogInfo serves a Component catalog-info.yaml under any path,
// named after its first path segment, for catalog:register.
func serveCatalogInfo(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
		fmt.Fprintf(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: %s\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:default/team\n", name)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}
