package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/scaffoldertest"
)

const demoTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: demo
  title: Demo
  description: demo tpl
spec:
  type: service
  owner: group:default/team
  presentation:
    buttonLabels: {createButtonText: Go}
  formDecorators: [{id: x, input: {a: 1}}]
  secrets:
    schema:
      type: object
      properties:
        TOKEN: {type: string}
  parameters:
    - title: Basics
      required: [name]
      properties:
        name: {type: string, title: Name, "ui:autofocus": true}
        count: {type: number}
        items: {type: array}
        fail: {type: boolean}
    - title: Hidden
      when: ${{ parameters.name === "showme" }}
      required: [extra]
      properties:
        extra: {type: string}
  steps:
    - id: fetch
      name: Fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: log
      name: Log
      action: debug:log
      input:
        message: Hello ${{ parameters.name }}
    - id: boom
      name: Boom
      if: ${{ parameters.fail }}
      action: debug:log
      input:
        message: 3
    - action: debug:log
      input:
        message: unnamed
  output:
    links:
      - title: Repo
        url: https://example.com/${{ parameters.name }}
      - title: Hidden
        url: https://example.com/hidden
        if: ${{ parameters.nope }}
    custom: ${{ parameters.name }}
`

const slowTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: slow
spec:
  type: service
  parameters:
    properties:
      ms: {type: number}
  steps:
    - id: wait
      name: Wait
      action: debug:wait
      input:
        milliseconds: ${{ parameters.ms }}
    - id: after
      name: After
      action: debug:log
      input:
        message: after
`

const typedTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: typed
spec:
  type: service
  parameters:
    properties:
      count: {type: number}
      items: {type: array}
  steps:
    - id: rec
      action: test:record
      input:
        n: ${{ parameters.count }}
        s: n=${{ parameters.count }}
        secret: ${{ secrets.TOKEN }}
    - id: each
      action: test:record
      each: ${{ parameters.items }}
      input:
        key: ${{ each.key }}
        value: ${{ each.value }}
        prev: ${{ steps.rec.output.echo.n }}
    - id: skipped
      if: false
      action: test:record
    - id: bad-each
      if: ${{ parameters.badEach }}
      each: ${{ parameters.nope }}
      action: test:record
  output:
    n: ${{ steps.rec.output.echo.n }}
    keys: ${{ steps.each.output.echo | length }}
`

const secretTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: secretive
spec:
  type: service
  secrets:
    schema:
      type: object
      required: [TOKEN]
      properties:
        TOKEN: {type: string}
  steps:
    - id: log
      action: debug:log
      input:
        message: token is ${{ secrets.TOKEN }}
`

// newDemoServer serves the demo, slow and typed templates as jane.
func newDemoServer(t *testing.T) (*scaffoldertest.Server, *scaffoldertest.Recorder) {
	t.Helper()
	dir := t.TempDir()
	demo := scaffoldertest.Template(t, dir+"/demo", demoTemplate, map[string]string{"skeleton/README.md": "# ${{ values.name }}\n"})
	slow := scaffoldertest.Template(t, dir+"/slow", slowTemplate, nil)
	typed := scaffoldertest.Template(t, dir+"/typed", typedTemplate, nil)
	secretive := scaffoldertest.Template(t, dir+"/secretive", secretTemplate, nil)
	cat := scaffoldertest.NewCatalog(demo, slow, typed, secretive)
	srv := scaffoldertest.NewServer(t, cat, scaffoldertest.Options{})
	rec := &scaffoldertest.Recorder{}
	srv.Service.Register(rec)
	return srv, rec
}

// call sends a JSON request and returns the status, body and headers.
func call(t *testing.T, srv *scaffoldertest.Server, method, path string, body any) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequest(method, srv.URL+"/api/scaffolder"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp.Header
}

// create launches a task and returns its id.
func create(t *testing.T, srv *scaffoldertest.Server, ref string, values map[string]any, secrets map[string]string) string {
	t.Helper()
	body := map[string]any{"templateRef": ref, "values": values}
	if secrets != nil {
		body["secrets"] = secrets
	}
	status, data, _ := call(t, srv, "POST", "/v2/tasks", body)
	if status != http.StatusCreated {
		t.Fatalf("POST /v2/tasks = %d %s", status, data)
	}
	var out struct{ ID string }
	_ = json.Unmarshal(data, &out)
	return out.ID
}

// sseMessage is one parsed SSE message.
type sseMessage struct {
	Event string
	Data  scaffolder.SerializedEvent
}

// stream reads an event stream until the server closes it.
func stream(t *testing.T, srv *scaffoldertest.Server, path string) ([]sseMessage, string) {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Get(srv.URL + "/api/scaffolder" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw strings.Builder
	var out []sseMessage
	sc := bufio.NewScanner(io.TeeReader(resp.Body, &raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sseMessage
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.Data); err != nil {
				t.Fatalf("bad data line %q: %v", line, err)
			}
		case line == "" && cur.Event != "":
			out = append(out, cur)
			cur = sseMessage{}
		}
	}
	return out, resp.Header.Get("Content-Type")
}

func eventsOf(msgs []sseMessage) []scaffolder.SerializedEvent {
	out := make([]scaffolder.SerializedEvent, len(msgs))
	for i, m := range msgs {
		out[i] = m.Data
	}
	return out
}
