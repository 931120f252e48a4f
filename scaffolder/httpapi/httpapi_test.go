package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// scenario is one HTTP exchange and what the answer must hold.
type scenario struct {
	name       string
	method     string
	path       string
	body       any
	wantStatus int
	// wantJSON, when set, must equal the response (after decoding both).
	wantJSON string
	// contains are substrings the body must hold.
	contains []string
}

func TestAPI_Scenarios(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	schemaBody := `{"title":"Demo","description":"demo tpl","presentation":{"buttonLabels":{"createButtonText":"Go"}},
	  "formDecorators":[{"id":"x","input":{"a":1}}],
	  "steps":[{"title":"Basics","schema":{"title":"Basics","required":["name"],"properties":{"name":{"type":"string","title":"Name","ui:autofocus":true},"count":{"type":"number"},"items":{"type":"array"},"fail":{"type":"boolean"}}}},
	           {"title":"Hidden","when":"${{ parameters.name === \"showme\" }}","schema":{"title":"Hidden","required":["extra"],"properties":{"extra":{"type":"string"}}}}]}`
	tests := []scenario{
		{name: "parameter schema", method: "GET", path: "/v2/templates/default/template/demo/parameter-schema", wantStatus: 200, wantJSON: schemaBody},
		{name: "parameter schema case-insensitive", method: "GET", path: "/v2/templates/default/Template/DEMO/parameter-schema", wantStatus: 200, wantJSON: schemaBody},
		{name: "parameter schema wrong kind", method: "GET", path: "/v2/templates/default/component/demo/parameter-schema", wantStatus: 400,
			contains: []string{`"name":"InputError"`, "Invalid kind, only 'Template' kind is supported"}},
		{name: "parameter schema unknown", method: "GET", path: "/v2/templates/default/template/nope/parameter-schema", wantStatus: 404,
			contains: []string{`"name":"NotFoundError"`, "Template template:default/nope not found"}},
		{name: "create without values", method: "POST", path: "/v2/tasks", body: map[string]any{"templateRef": "template:default/demo"}, wantStatus: 400,
			contains: []string{`"statusCode":400`, "request/body must have required property 'values'"}},
		{name: "create without templateRef", method: "POST", path: "/v2/tasks", body: map[string]any{"values": map[string]any{}}, wantStatus: 400,
			contains: []string{"request/body must have required property 'templateRef'"}},
		{name: "create with empty values", method: "POST", path: "/v2/tasks", body: map[string]any{"templateRef": "template:default/demo", "values": map[string]any{}}, wantStatus: 400,
			contains: []string{`"errors":[{`, `"property":"instance"`, `"name":"required"`, `"argument":"name"`, `"message":"requires property \"name\""`}},
		{name: "create visible hidden page", method: "POST", path: "/v2/tasks", body: map[string]any{"templateRef": "template:default/demo", "values": map[string]any{"name": "showme"}}, wantStatus: 400,
			contains: []string{`"argument":"extra"`}},
		{name: "create unknown template", method: "POST", path: "/v2/tasks", body: map[string]any{"templateRef": "template:default/nope", "values": map[string]any{}}, wantStatus: 404},
		{name: "create wrong secret type", method: "POST", path: "/v2/tasks", body: `{"templateRef":"demo","values":{"name":"x"},"secrets":{"TOKEN":1}}`, wantStatus: 400},
		{name: "create without required secret", method: "POST", path: "/v2/tasks", body: map[string]any{"templateRef": "secretive", "values": map[string]any{}}, wantStatus: 400,
			contains: []string{`"errors":[`, `"property":"secrets"`, `"message":"secrets.TOKEN is required"`}},
		{name: "get unknown task", method: "GET", path: "/v2/tasks/00000000-0000-0000-0000-000000000000", wantStatus: 404,
			contains: []string{"No task with id '00000000-0000-0000-0000-000000000000' found"}},
		{name: "eventstream unknown task", method: "GET", path: "/v2/tasks/00000000-0000-0000-0000-000000000000/eventstream", wantStatus: 404,
			contains: []string{`"name":"NotFoundError"`}},
		{name: "events unknown task", method: "GET", path: "/v2/tasks/00000000-0000-0000-0000-000000000000/events", wantStatus: 404},
		{name: "cancel unknown task", method: "POST", path: "/v2/tasks/00000000-0000-0000-0000-000000000000/cancel", wantStatus: 404},
		{name: "retry unknown task", method: "POST", path: "/v2/tasks/00000000-0000-0000-0000-000000000000/retry", body: map[string]any{}, wantStatus: 404},
		{name: "list bad order field", method: "GET", path: "/v2/tasks?order=desc:spec", wantStatus: 400, contains: []string{"Invalid order field"}},
		{name: "list bad limit", method: "GET", path: "/v2/tasks?limit=abc", wantStatus: 400, contains: []string{"request/query/limit must be integer"}},
		{name: "list unknown param", method: "GET", path: "/v2/tasks?foo=1", wantStatus: 400, contains: []string{"Unknown query parameter 'foo'"}},
		{name: "list order accepted", method: "GET", path: "/v2/tasks?order=asc:created_at", wantStatus: 200, contains: []string{`"totalTasks"`}},
		{name: "autocomplete unknown provider", method: "POST", path: "/v2/autocomplete/nope/x", body: map[string]any{"token": "t", "context": map[string]any{}}, wantStatus: 400,
			contains: []string{"Unsupported provider: nope"}},
		{name: "autocomplete without token", method: "POST", path: "/v2/autocomplete/nope/x", body: map[string]any{"context": map[string]any{}}, wantStatus: 400,
			contains: []string{"Missing token query parameter"}},
		{name: "templating extensions", method: "GET", path: "/v2/templating-extensions", wantStatus: 200,
			contains: []string{`"parseRepoUrl"`, `"parseEntityRef"`, `"pick"`, `"projectSlug"`, `"globals":{"functions"`}},
		{name: "dry-run not a template", method: "POST", path: "/v2/dry-run", body: map[string]any{"template": map[string]any{"kind": "Component"}, "values": map[string]any{}}, wantStatus: 400,
			contains: []string{"Input template is not a template"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body, _ := call(t, srv, tt.method, tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, status, body, tt.wantStatus)
			}
			if tt.wantJSON != "" {
				assertJSONEqual(t, tt.wantJSON, body)
			}
			for _, c := range tt.contains {
				if !strings.Contains(string(body), c) {
					t.Errorf("body %s\ndoes not contain %s", body, c)
				}
			}
		})
	}
}

func assertJSONEqual(t *testing.T, want string, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad response JSON %s: %v", got, err)
	}
	wb, _ := json.Marshal(w)
	gb, _ := json.Marshal(g)
	if string(wb) != string(gb) {
		t.Errorf("body mismatch\n got: %s\nwant: %s", gb, wb)
	}
}

func TestAPI_Actions(t *testing.T) {
	t.Parallel()
	srv, _ := newDemoServer(t)
	status, body, _ := call(t, srv, "GET", "/v2/actions", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /v2/actions = %d", status)
	}
	var list []struct {
		ID     string
		Schema struct{ Input map[string]any }
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, a := range list {
		ids[a.ID] = true
		if i > 0 && list[i-1].ID > a.ID {
			t.Errorf("actions not sorted: %s before %s", list[i-1].ID, a.ID)
		}
		if a.Schema.Input == nil {
			t.Errorf("action %s has no input schema", a.ID)
		}
	}
	for _, want := range []string{"fetch:template", "fetch:plain", "catalog:register", "catalog:write", "catalog:fetch",
		"debug:log", "debug:wait", "fs:delete", "fs:rename", "publish:git"} {
		if !ids[want] {
			t.Errorf("action %s missing", want)
		}
	}
}
