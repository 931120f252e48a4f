package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scaffolderTemplates is the catalog the scaffolder e2e tests load: a
// group to own things and templates that are quick, slow and recoverable.
const scaffolderTemplates = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team}
spec: {type: team, children: []}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: quick, title: Quick}
spec:
  type: service
  owner: group:default/team
  parameters:
    - title: Basics
      required: [name]
      properties:
        name: {type: string, title: Name}
        ms: {type: number}
  steps:
    - {id: fetch, name: Fetch, action: fetch:template, input: {url: ./skeleton, values: {name: "${{ parameters.name }}"}}}
    - {id: wait, name: Wait, action: debug:wait, input: {milliseconds: "${{ parameters.ms }}"}}
    - {id: log, name: Log, action: debug:log, input: {message: "Hello ${{ parameters.name }}"}}
  output:
    text: [{title: Greeting, content: "Hello ${{ parameters.name }}"}]
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: slow-recover, title: Slow and recoverable}
spec:
  type: service
  owner: group:default/team
  EXPERIMENTAL_recovery: {EXPERIMENTAL_strategy: startOver}
  steps:
    - {id: first, name: First, action: debug:log, input: {message: first}}
    - {id: wait, name: Wait, action: debug:wait, input: {seconds: 3}}
    - {id: last, name: Last, action: debug:log, input: {message: last}}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: slow-fail, title: Slow, not recoverable}
spec:
  type: service
  owner: group:default/team
  steps:
    - {id: first, name: First, action: debug:log, input: {message: first}}
    - {id: wait, name: Wait, action: debug:wait, input: {seconds: 3}}
    - {id: last, name: Last, action: debug:log, input: {message: last}}
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: fails, title: Always fails}
spec:
  type: service
  owner: group:default/team
  steps:
    - {id: bad, name: Bad, action: debug:log, input: {message: 3}}
`

// scaffolderServer is one stackyard process serving the scaffolder.
type scaffolderServer struct {
	t       *testing.T
	Base    string
	cmd     *exec.Cmd
	exited  chan error
	logPath string
}

// writeScaffolderFixture writes the templates and a skeleton into dir.
func writeScaffolderFixture(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "skeleton"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		name := filepath.Join(dir, "skeleton", fmt.Sprintf("file-%02d.md", i))
		if err := os.WriteFile(name, []byte("# ${{ values.name }} "+fmt.Sprint(i)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "templates.yaml")
	if err := os.WriteFile(path, []byte(scaffolderTemplates), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startScaffolderServer starts the binary on dbURL with the fixture at
// location, and waits until the templates are served.
func startScaffolderServer(t *testing.T, dir, dbURL, location string) *scaffolderServer {
	t.Helper()
	return startScaffolderServerReading(t, dir, dbURL, location, 0)
}

// startScaffolderServerReading is startScaffolderServer whose catalog may
// also read url locations from 127.0.0.1:readPort.
func startScaffolderServerReading(t *testing.T, dir, dbURL, location string, readPort int) *scaffolderServer {
	t.Helper()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`server: {listen: "127.0.0.1:%d", baseUrl: %q}
database: {url: %q}
catalog:
  processingInterval: {seconds: 2}
  rules:
    - allow: [Component, System, API, Resource, Location, User, Group, Domain, Template]
  reading:
    allow: [{host: "127.0.0.1:%d"}]
  locations:
    - {type: file, target: %q}
scaffolder:
  concurrency: 8
  workspaceDir: %q
  heartbeatInterval: 200ms
  staleTimeout: 2s
`, port, base, dbURL, readPort, location, filepath.Join(dir, "workspaces"))
	cfgPath := filepath.Join(dir, fmt.Sprintf("config-%d.yaml", port))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &scaffolderServer{t: t, Base: base, exited: make(chan error, 1), logPath: filepath.Join(dir, fmt.Sprintf("stackyard-%d.log", port))}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, "serve", "--config", cfgPath)
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), "STACKYARD_LISTEN=127.0.0.1:"+fmt.Sprint(port), "STACKYARD_BASE_URL="+base, "STACKYARD_DATABASE_URL="+dbURL)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start stackyard: %v", err)
	}
	go func() { s.exited <- s.cmd.Wait(); logFile.Close() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			stop(s.cmd, s.exited)
		}
		if t.Failed() {
			t.Logf("stackyard log (%s):\n%s", s.logPath, tail(s.logPath, 60))
		}
	})
	if err := waitReady(base+"/readyz", s.exited, 90*time.Second); err != nil {
		t.Fatalf("stackyard did not become ready: %v\n%s", err, tail(s.logPath, 40))
	}
	s.waitFor(30*time.Second, func() bool {
		status, _ := s.call("GET", "/api/scaffolder/v2/templates/default/template/quick/parameter-schema", nil, nil)
		return status == http.StatusOK
	}, "template quick is served")
	return s
}

// kill ends the process with SIGKILL, as a crash would.
func (s *scaffolderServer) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// call sends a JSON request and decodes a JSON answer into out.
func (s *scaffolderServer) call(method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.Base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 40 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w", data, err)
		}
	}
	return resp.StatusCode, nil
}

// launch creates a task and returns its id.
func (s *scaffolderServer) launch(template string, values map[string]any) string {
	s.t.Helper()
	var out struct{ ID string }
	status, err := s.call("POST", "/api/scaffolder/v2/tasks", map[string]any{"templateRef": "template:default/" + template, "values": values}, &out)
	if err != nil || status != http.StatusCreated {
		s.t.Fatalf("launch %s: %d %v", template, status, err)
	}
	return out.ID
}

// taskEvent is the part of a task event the tests read.
type taskEvent struct {
	ID   int64
	Type string
	Body struct {
		Message string
		StepID  string `json:"stepId"`
		Status  string
		Error   *struct{ Message string }
	}
}

// events returns the visible events of a task.
func (s *scaffolderServer) events(id string) []taskEvent {
	s.t.Helper()
	var out []taskEvent
	if status, err := s.call("GET", "/api/scaffolder/v2/tasks/"+id+"/events", nil, &out); err != nil || status != 200 {
		s.t.Fatalf("events of %s: %d %v", id, status, err)
	}
	return out
}

// status returns a task's status.
func (s *scaffolderServer) status(id string) string {
	s.t.Helper()
	var out struct{ Status string }
	if status, err := s.call("GET", "/api/scaffolder/v2/tasks/"+id, nil, &out); err != nil || status != 200 {
		s.t.Fatalf("get %s: %d %v", id, status, err)
	}
	return out.Status
}

// waitFor polls cond until it holds.
func (s *scaffolderServer) waitFor(timeout time.Duration, cond func() bool, what string) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasEvent reports whether events hold one of type typ for step with status.
func hasEvent(events []taskEvent, typ, step, status string) bool {
	for _, e := range events {
		if e.Type == typ && e.Body.StepID == step && e.Body.Status == status {
			return true
		}
	}
	return false
}

func countMessages(events []taskEvent, prefix string) int {
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e.Body.Message, prefix) {
			n++
		}
	}
	return n
}
