package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/auth/authtest"
)

// TestAuth_Attacks sends forged, stale and foreign tokens at a mutation
// and a read of the real server: each gets 401 AuthenticationError with
// a message naming the failed check, and nothing changes.
func TestAuth_Attacks(t *testing.T) {
	s := startAuthServer(t)
	other := authtest.NewIssuer(t, "/api/auth")
	uid := s.uid("ledger")
	now := time.Now().Unix()
	claims := func(mod func(map[string]any)) map[string]any {
		c := s.Auth.UserClaims("user:default/ada", []string{"user:default/ada", "group:default/platform"})
		mod(c)
		return c
	}
	valid := s.Auth.UserToken("user:default/ada", "user:default/ada", "group:default/platform")
	tests := []struct {
		name, header, check string
	}{
		{"expired", "Bearer " + s.Auth.Sign(authtest.TypUser, claims(func(c map[string]any) { c["iat"], c["exp"] = now-7200, now-3600 })), "expiry check failed"},
		{"wrong issuer", "Bearer " + other.UserToken("user:default/ada", "group:default/platform"), "issuer check failed"},
		{"wrong audience", "Bearer " + s.Auth.Sign(authtest.TypUser, claims(func(c map[string]any) { c["aud"] = "catalog" })), "audience check failed"},
		{"alg none", "Bearer " + authtest.Unsigned(claims(func(map[string]any) {})), "algorithm check failed"},
		{"hs256 signed with the public key", "Bearer " + s.Auth.HMACWithPublicKey(authtest.TypUser, claims(func(map[string]any) {})), "HMAC"},
		{"tampered payload", "Bearer " + authtest.Tamper(s.Auth.UserToken("user:default/sam"), claims(func(map[string]any) {})), "signature check failed"},
		{"limited user token", "Bearer " + s.Auth.LimitedToken("user:default/ada"), "Illegal limited user token"},
		{"not yet valid", "Bearer " + s.Auth.Sign(authtest.TypUser, claims(func(c map[string]any) { c["nbf"] = now + 600 })), "not-before check failed"},
		{"empty bearer", "Bearer ", "Illegal token"},
		{"garbage bearer", "Bearer " + strings.Repeat("x", 40), "Illegal token"},
		{"no credentials", "", "Missing credentials"},
	}
	// Signed by a key the issuer has not published (the last token made).
	s.Auth.Rotate("unpublished", false)
	tests = append(tests, struct{ name, header, check string }{"unknown kid",
		"Bearer " + s.Auth.UserToken("user:default/ada", "user:default/ada", "group:default/platform"), "signing key check failed"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			for _, req := range []struct{ method, path string }{
				{"DELETE", "/api/catalog/entities/by-uid/" + uid},
				{"GET", "/api/catalog/entities/by-uid/" + uid},
				{"POST", "/api/scaffolder/v2/tasks"},
				{"GET", "/api/stacks/v1/audit"},
			} {
				status, body := s.call(req.method, req.path, tt.header, nil)
				name, msg := errorOf(body)
				if status != 401 || name != "AuthenticationError" || !strings.Contains(msg, tt.check) {
					t.Errorf("%s %s = %d %s %q, want 401 AuthenticationError naming %q", req.method, req.path, status, name, msg, tt.check)
				}
			}
		})
	}
	s.t = t
	if got := s.uid("ledger"); got != uid {
		t.Errorf("ledger uid changed from %s to %s: an attack deleted it", uid, got)
	}
	if events := s.events("component:default/ledger", ""); len(events) != 0 {
		t.Errorf("audit has events for ledger after attacks only: %+v", events)
	}
	if status, _ := s.call("GET", "/api/catalog/entities/by-uid/"+uid, "Bearer "+valid, nil); status != 200 {
		t.Errorf("the valid token was refused: %d", status)
	}
}

// TestAuth_OwnershipMatrix: member (dana, in engineering), member through
// a parent group (paul, in team-payments under engineering), non-member
// (sam) and admin (ada, in platform) against everything owned by or
// launched for group:default/engineering (entities, tasks, a stack). A
// denial is a 403 that names the permission and the missing ref, changes
// nothing, and is audited.
func TestAuth_OwnershipMatrix(t *testing.T) {
	s := startAuthServerWith(t, stacksConfig())
	const owner = "group:default/engineering"
	users := []struct {
		name    string
		allowed bool
	}{{"dana", true}, {"paul", true}, {"sam", false}, {"ada", true}}
	for _, u := range users {
		actor := "user:default/" + u.name
		t.Run("delete/"+u.name, func(t *testing.T) {
			s.t = t
			name := "del-" + u.name
			uid := s.uid(name)
			status, body := s.as(u.name, "DELETE", "/api/catalog/entities/by-uid/"+uid, nil)
			s.expect(status, body, u.allowed, 204, "catalog.entity.delete", owner)
			if !u.allowed {
				if s.uid(name) != uid {
					t.Errorf("denied delete removed %s", name)
				}
				s.expectAudit("component:default/"+name, actor, "catalog.entity.delete", "denied")
			} else {
				s.expectAudit("component:default/"+name, actor, "catalog.entity.delete", "allowed")
			}
		})
		t.Run("refresh/"+u.name, func(t *testing.T) {
			s.t = t
			status, body := s.as(u.name, "POST", "/api/catalog/refresh", map[string]any{"entityRef": "component:default/ledger"})
			s.expect(status, body, u.allowed, 200, "catalog.entity.refresh", owner)
			outcome := map[bool]string{true: "allowed", false: "denied"}[u.allowed]
			s.expectAudit("component:default/ledger", actor, "catalog.entity.refresh", outcome)
		})
		t.Run("launch-for-group/"+u.name, func(t *testing.T) {
			s.t = t
			status, id, body := s.launch(u.name, "launch", map[string]any{"owner": "engineering"})
			s.expect(status, body, u.allowed, 201, "scaffolder.task.create", owner)
			outcome := map[bool]string{true: "allowed", false: "denied"}[u.allowed]
			s.expectAudit("template:default/launch", actor, "scaffolder.task.create", outcome)
			if u.allowed && s.taskStatus(id) != "open" {
				t.Errorf("task %s not open", id)
			}
		})
		t.Run("upgrade/"+u.name, func(t *testing.T) {
			s.t = t
			st := checkoutStack(t, owner)
			st.Name = "up-" + u.name
			recordStack(t, st)
			path := "/api/stacks/v1/stacks/default/" + st.Name
			_, data := s.as("ci", "POST", path+"/plan", map[string]any{"toVersion": "2.0.0"})
			var plan struct{ Digest string }
			_ = json.Unmarshal(data, &plan)
			status, body := s.as(u.name, "POST", path+"/upgrade", map[string]any{"toVersion": "2.0.0", "planDigest": plan.Digest})
			s.expect(status, body, u.allowed, 202, "stacks.stack.upgrade", owner)
			outcome := map[bool]string{true: "allowed", false: "denied"}[u.allowed]
			s.expectAudit("stack:default/"+st.Name, actor, "stacks.stack.upgrade", outcome)
			if !u.allowed {
				_, list := s.as("ci", "GET", "/api/scaffolder/v2/tasks", nil)
				if strings.Contains(string(list), st.Name) {
					t.Errorf("a denied upgrade left a task: %s", list)
				}
			}
			_, data = s.as("ci", "GET", path, nil)
			if !strings.Contains(string(data), `"version":"1.0.0"`) {
				t.Errorf("the stack changed: %s", data)
			}
		})
		t.Run("task-read/"+u.name, func(t *testing.T) {
			s.t = t
			_, id, _ := s.launch("ci", "launch", map[string]any{"owner": "engineering"})
			status, body := s.as(u.name, "GET", "/api/scaffolder/v2/tasks/"+id, nil)
			if u.allowed {
				if status != 200 {
					t.Fatalf("read = %d %s, want 200", status, body)
				}
			} else {
				// Absent, as Backstage hides what may not be read.
				if status != 404 {
					t.Fatalf("read = %d %s, want 404", status, body)
				}
				s.expectAudit(id, actor, "scaffolder.task.read", "denied")
			}
			_, list := s.as(u.name, "GET", "/api/scaffolder/v2/tasks", nil)
			if strings.Contains(string(list), id) != u.allowed {
				t.Errorf("task list shows the task: %v, want %v", strings.Contains(string(list), id), u.allowed)
			}
		})
		t.Run("task-cancel/"+u.name, func(t *testing.T) {
			s.t = t
			_, id, _ := s.launch("ci", "launch", map[string]any{"owner": "engineering"})
			status, body := s.as(u.name, "POST", "/api/scaffolder/v2/tasks/"+id+"/cancel", nil)
			s.expect(status, body, u.allowed, 200, "scaffolder.task.cancel", owner)
			want := map[bool]string{true: "cancelled", false: "open"}[u.allowed]
			if got := s.taskStatus(id); got != want {
				t.Errorf("task status = %s, want %s", got, want)
			}
			outcome := map[bool]string{true: "allowed", false: "denied"}[u.allowed]
			s.expectAudit(id, actor, "scaffolder.task.cancel", outcome)
		})
	}
	t.Run("creator reads and cancels its own task", func(t *testing.T) {
		s.t = t
		status, id, body := s.launch("sam", "launch", map[string]any{})
		if status != 201 {
			t.Fatalf("launch without owner = %d %s", status, body)
		}
		if status, _ := s.as("sam", "GET", "/api/scaffolder/v2/tasks/"+id, nil); status != 200 {
			t.Errorf("creator read = %d", status)
		}
		if status, _ := s.as("dana", "GET", "/api/scaffolder/v2/tasks/"+id, nil); status != 404 {
			t.Errorf("other user read = %d, want 404", status)
		}
		if status, _ := s.as("sam", "POST", "/api/scaffolder/v2/tasks/"+id+"/cancel", nil); status != 200 {
			t.Errorf("creator cancel = %d", status)
		}
	})
	t.Run("template restricted to launchers", func(t *testing.T) {
		s.t = t
		status, _, body := s.launch("dana", "platform-only", map[string]any{})
		s.expect(status, body, false, 201, "scaffolder.task.create", "group:default/platform")
		if status, _, body := s.launch("ada", "platform-only", map[string]any{}); status != 201 {
			t.Errorf("platform member launch = %d %s", status, body)
		}
	})
}

// expect checks an allowed status, or a 403 NotAllowedError naming the
// permission and the missing ref.
func (s *authServer) expect(status int, body []byte, allowed bool, okStatus int, permission, missing string) {
	s.t.Helper()
	if allowed {
		if status != okStatus {
			s.t.Fatalf("status = %d %s, want %d", status, body, okStatus)
		}
		return
	}
	name, msg := errorOf(body)
	if status != 403 || name != "NotAllowedError" || !strings.Contains(msg, permission) || !strings.Contains(msg, missing) {
		s.t.Fatalf("= %d %s %q, want 403 NotAllowedError naming %s and %s", status, name, msg, permission, missing)
	}
}

func (s *authServer) expectAudit(target, actor, action, outcome string) {
	s.t.Helper()
	if !s.hasEvent(target, actor, action, outcome) {
		s.t.Errorf("no audit event %s %s by %s on %s: %+v", action, outcome, actor, target, s.events(target, ""))
	}
}

// TestAuth_Locations: anyone may register a location; updating or
// deleting it needs ownership of every entity it brought in.
func TestAuth_Locations(t *testing.T) {
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/billing.yaml":
			fmt.Fprint(w, "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: billing}\nspec: {type: service, lifecycle: production, owner: engineering}\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()
	s := startAuthServer(t, strings.TrimPrefix(files.URL, "http://"))
	status, body := s.as("sam", "POST", "/api/catalog/locations", map[string]any{"type": "url", "target": files.URL + "/billing.yaml"})
	if status != 201 {
		t.Fatalf("register as sam = %d %s", status, body)
	}
	var reg struct{ Location struct{ ID string } }
	_ = json.Unmarshal(body, &reg)
	id := reg.Location.ID
	s.expectAudit(id, "user:default/sam", "catalog.location.create", "allowed")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if status, _ := s.as("ci", "GET", "/api/catalog/entities/by-name/component/default/billing", nil); status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("billing never appeared")
		}
		time.Sleep(50 * time.Millisecond)
	}
	status, body = s.as("sam", "DELETE", "/api/catalog/locations/"+id, nil)
	s.expect(status, body, false, 204, "catalog.location.delete", "group:default/engineering")
	s.expectAudit(id, "user:default/sam", "catalog.location.delete", "denied")
	status, body = s.as("sam", "PUT", "/api/catalog/locations/"+id, map[string]any{"type": "url", "target": files.URL + "/other.yaml"})
	s.expect(status, body, false, 200, "catalog.location.update", "group:default/engineering")
	if status, _ := s.as("ci", "GET", "/api/catalog/locations/"+id, nil); status != 200 {
		t.Fatalf("the location is gone after denials: %d", status)
	}
	status, body = s.as("paul", "DELETE", "/api/catalog/locations/"+id, nil)
	s.expect(status, body, true, 204, "", "")
	s.expectAudit(id, "user:default/paul", "catalog.location.delete", "allowed")
}
