package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth/authtest"
	"github.com/stackyard/stackyard/internal/config"
)

const ciToken = "ci-token-0123456789"

// authServer is the real wiring with auth.backstage pointing at a test
// issuer, serving testdata/auth/catalog.yaml; task workers are off, so
// launched tasks stay open.
type authServer struct {
	t    *testing.T
	URL  string
	Auth *authtest.Issuer
}

func startAuthServer(t *testing.T, readHosts ...string) *authServer {
	t.Helper()
	return startAuthServerWith(t, "", readHosts...)
}

// startAuthServerWith is startAuthServer with extra top-level config.
func startAuthServerWith(t *testing.T, extra string, readHosts ...string) *authServer {
	t.Helper()
	allow := "[]"
	if len(readHosts) > 0 {
		allow = `[{host: "` + strings.Join(readHosts, `"}, {host: "`) + `"}]`
	}
	bs := authtest.NewIssuer(t, "/api/auth")
	fixture, _ := filepath.Abs("testdata/auth/catalog.yaml")
	cfgYAML := fmt.Sprintf(`
catalog:
  processingInterval: 1h
  locations: [{type: file, target: %q}]
  rules: [{allow: [Component, Group, User, Template, Location]}]
  reading: {allow: %s}
scaffolder: {concurrency: 0}
auth:
  backstage: {issuer: %q}
  externalAccess: [{type: static, token: %q, subject: ci}]
  admins: ["group:default/platform", "external:ci"]
`, fixture, allow, bs.URL, ciToken) + extra
	_, err := config.Parse([]byte(cfgYAML))
	if err != nil {
		t.Fatal(err)
	}
	srv := startWired(t, cfgYAML)
	return &authServer{t: t, URL: srv.URL, Auth: bs}
}

// token returns a Backstage user token for a user of the fixture; its
// ownership comes from userinfo and the catalog.
func (s *authServer) token(user string) string {
	if user == "ci" {
		return ciToken
	}
	return s.Auth.UserToken("user:default/" + user)
}

func (s *authServer) call(method, path, bearer string, body any) (int, []byte) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = strings.NewReader(string(data))
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func (s *authServer) as(user, method, path string, body any) (int, []byte) {
	s.t.Helper()
	return s.call(method, path, "Bearer "+s.token(user), body)
}

func (s *authServer) uid(name string) string {
	s.t.Helper()
	status, body := s.as("ci", "GET", "/api/catalog/entities/by-name/component/default/"+name, nil)
	if status != 200 {
		s.t.Fatalf("get %s = %d %s", name, status, body)
	}
	var e struct{ Metadata struct{ UID string } }
	_ = json.Unmarshal(body, &e)
	return e.Metadata.UID
}

func (s *authServer) launch(user, template string, values map[string]any) (int, string, []byte) {
	s.t.Helper()
	status, body := s.as(user, "POST", "/api/scaffolder/v2/tasks", map[string]any{"templateRef": "template:default/" + template, "values": values})
	var out struct{ ID string }
	_ = json.Unmarshal(body, &out)
	return status, out.ID, body
}

func (s *authServer) taskStatus(id string) string {
	s.t.Helper()
	status, body := s.as("ci", "GET", "/api/scaffolder/v2/tasks/"+id, nil)
	if status != 200 {
		s.t.Fatalf("get task %s = %d %s", id, status, body)
	}
	var task struct{ Status string }
	_ = json.Unmarshal(body, &task)
	return task.Status
}

// events returns the audit events of target by actor, as an admin reads them.
func (s *authServer) events(target, actor string) []audit.Event {
	s.t.Helper()
	q := url.Values{"target": {target}}
	if actor != "" {
		q.Set("actor", actor)
	}
	status, body := s.as("ci", "GET", "/api/stacks/v1/audit?"+q.Encode(), nil)
	if status != 200 {
		s.t.Fatalf("read audit = %d %s", status, body)
	}
	var list struct{ Items []audit.Event }
	if err := json.Unmarshal(body, &list); err != nil {
		s.t.Fatal(err)
	}
	return list.Items
}

func (s *authServer) hasEvent(target, actor, action, outcome string) bool {
	for _, e := range s.events(target, actor) {
		if e.Action == action && e.Outcome == outcome {
			return true
		}
	}
	return false
}

func errorOf(body []byte) (name, message string) {
	var env struct {
		Error struct{ Name, Message string }
	}
	_ = json.Unmarshal(body, &env)
	return env.Error.Name, env.Error.Message
}
