package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// catalogScenarios follow the conformance checklist of the catalog API
// note (section 9); the real Backstage decided where it and the note differ.
var catalogScenarios = []scenario{
	{name: "entities all", method: "GET", path: "/api/catalog/entities?filter=kind=component&order=asc:metadata.name&limit=10", status: 200, golden: true},
	{name: "entities sets ored", method: "GET", path: "/api/catalog/entities?filter=kind=component,spec.type=website&filter=kind=group&fields=kind,metadata.name&order=asc:metadata.name&limit=50", status: 200, golden: true},
	{name: "entities repeated key is in", method: "GET", path: "/api/catalog/entities?filter=kind=user,kind=group&fields=metadata.name&order=asc:metadata.name&limit=50", status: 200, golden: true},
	{name: "entities tag exists", method: "GET", path: "/api/catalog/entities?filter=metadata.tags.go&fields=metadata.name", status: 200, contain: []string{`"checkout-service"`}},
	{name: "entities case folded", method: "GET", path: "/api/catalog/entities?filter=KIND=COMPONENT,metadata.tags=GO&fields=metadata.name", status: 200, contain: []string{`"checkout-service"`}},
	{name: "entities relation filter", method: "GET", path: "/api/catalog/entities?filter=relations.ownedBy=group:default/team-platform&fields=metadata.name&order=asc:metadata.name&limit=20", status: 200, golden: true},
	{name: "entities annotation filter", method: "GET", path: "/api/catalog/entities?filter=metadata.annotations.backstage.io/orphan=true", status: 200, contain: []string{"[]"}},
	{name: "entities array field", method: "GET", path: "/api/catalog/entities?fields=metadata.tags[0]", status: 400, contain: []string{`"InputError"`}},
	{name: "entities unknown param", method: "GET", path: "/api/catalog/entities?foo=bar", status: 400, golden: true},
	{name: "entities empty filter", method: "GET", path: "/api/catalog/entities?filter=", status: 400, contain: []string{"Empty value found for query parameter 'filter'"}},
	{name: "entities bad order", method: "GET", path: "/api/catalog/entities?order=metadata.name", status: 400, contain: []string{"Invalid order parameter"}},
	{name: "entities zero limit", method: "GET", path: "/api/catalog/entities?limit=0", status: 400, contain: []string{"Invalid limit, must be greater than zero"}},
	{name: "entities bad limit", method: "GET", path: "/api/catalog/entities?limit=x", status: 400, contain: []string{"must be integer"}},
	{name: "by-query limit", method: "GET", path: "/api/catalog/entities/by-query?limit=2&filter=kind=component&orderField=metadata.name,asc&fields=metadata.name", status: 200, golden: true},
	{name: "by-query count only", method: "GET", path: "/api/catalog/entities/by-query?limit=0&filter=kind=component", status: 200, contain: []string{`"items":[]`, `"totalItems":4`, `"pageInfo":{}`}},
	{name: "by-query exclude total", method: "GET", path: "/api/catalog/entities/by-query?totalItems=exclude&limit=1", status: 200, contain: []string{`"totalItems":0`}},
	{name: "by-query bad total", method: "GET", path: "/api/catalog/entities/by-query?totalItems=maybe", status: 400},
	{name: "by-query bad cursor", method: "GET", path: "/api/catalog/entities/by-query?cursor=!!bad", status: 400, contain: []string{"Malformed cursor"}},
	{name: "by-query full text", method: "GET", path: "/api/catalog/entities/by-query?fullTextFilterTerm=CHECKOUT&fullTextFilterFields=metadata.name&fields=metadata.name&orderField=metadata.name,asc", status: 200, golden: true},
	{name: "by-query post predicate", method: "POST", path: "/api/catalog/entities/by-query", body: `{"query":{"$all":[{"kind":{"$in":["component","api"]}},{"$not":{"spec.lifecycle":"production"}}]},"orderBy":[{"field":"metadata.name","order":"desc"}],"fields":["metadata.name"]}`, status: 200, golden: true},
	{name: "by-query post prefix", method: "POST", path: "/api/catalog/entities/by-query", body: `{"query":{"metadata.name":{"$hasPrefix":"CHECKOUT-"}},"fields":["metadata.name"]}`, status: 200, contain: []string{`"checkout-web"`, `"checkout-service"`}},
	{name: "by-query post members", method: "POST", path: "/api/catalog/entities/by-query", body: `{"query":{"relations":{"$contains":{"type":"memberOf","targetRef":"group:default/team-payments"}}},"fields":["metadata.name"]}`, status: 200, contain: []string{`"totalItems":`}},
	{name: "by-query post regex", method: "POST", path: "/api/catalog/entities/by-query", body: `{"query":{"kind":{"$regex":"x"}}}`, status: 400, contain: []string{"Invalid query"}},
	{name: "by-query post empty", method: "POST", path: "/api/catalog/entities/by-query", body: ``, status: 200, contain: []string{`"totalItems":16`}},
	{name: "by-query post null query", method: "POST", path: "/api/catalog/entities/by-query", body: `{"query":null}`, status: 400, contain: []string{"request/body/query must be object"}},
	{name: "by-query post empty cursor", method: "POST", path: "/api/catalog/entities/by-query", body: `{"cursor":""}`, status: 400, contain: []string{"Cursor cannot be empty"}},
	{name: "by-query order without direction", method: "GET", path: "/api/catalog/entities/by-query?orderField=metadata.name&limit=3&fields=metadata.name", status: 200, golden: true},
	{name: "by-query order keeps entities without the field", method: "GET", path: "/api/catalog/entities/by-query?orderField=spec.lifecycle,desc&limit=0", status: 200, contain: []string{`"totalItems":16`}},
	{name: "by-refs", method: "POST", path: "/api/catalog/entities/by-refs", body: `{"entityRefs":["component:default/checkout-web","Component:Default/LEDGER-LIB","component:default/missing","not a ref"],"fields":["metadata.name"]}`, status: 200, golden: true},
	{name: "by-refs missing refs", method: "POST", path: "/api/catalog/entities/by-refs", body: `{}`, status: 400, contain: []string{"entityRefs"}},
	{name: "by-refs fields param", method: "POST", path: "/api/catalog/entities/by-refs?fields=kind", body: `{"entityRefs":[]}`, status: 400, contain: []string{"Unknown query parameter 'fields'"}},
	{name: "by-name case insensitive", method: "GET", path: "/api/catalog/entities/by-name/Group/default/TEAM-PAYMENTS", status: 200, golden: true},
	{name: "by-name missing", method: "GET", path: "/api/catalog/entities/by-name/component/default/missing", status: 404, golden: true},
	{name: "by-uid missing", method: "GET", path: "/api/catalog/entities/by-uid/0000", status: 404, contain: []string{"No entity with uid 0000"}},
	{name: "delete unknown uid", method: "DELETE", path: "/api/catalog/entities/by-uid/0000", status: 204},
	{name: "ancestry", method: "GET", path: "/api/catalog/entities/by-name/component/default/notifications-worker/ancestry", status: 200, golden: true},
	{name: "ancestry missing", method: "GET", path: "/api/catalog/entities/by-name/component/default/missing/ancestry", status: 404},
	{name: "facets", method: "GET", path: "/api/catalog/entity-facets?facet=kind&facet=metadata.tags&filter=kind=component", status: 200, golden: true},
	{name: "facets without facet", method: "GET", path: "/api/catalog/entity-facets", status: 400},
	{name: "facets post", method: "POST", path: "/api/catalog/entity-facets", body: `{"facets":["spec.type"],"query":{"kind":"component"}}`, status: 200, golden: true},
	{name: "refresh", method: "POST", path: "/api/catalog/refresh", body: `{"entityRef":"component:default/checkout-web"}`, status: 200},
	{name: "refresh unknown", method: "POST", path: "/api/catalog/refresh", body: `{"entityRef":"component:default/missing"}`, status: 404},
	{name: "refresh no ref", method: "POST", path: "/api/catalog/refresh", body: `{}`, status: 400},
	{name: "refresh extra key", method: "POST", path: "/api/catalog/refresh", body: `{"entityRef":"component:default/x","bogus":1}`, status: 400, contain: []string{"request/body must NOT have additional properties"}},
	{name: "locations file type", method: "POST", path: "/api/catalog/locations", body: `{"type":"file","target":"/x"}`, status: 400, contain: []string{`Registered locations must be of an allowed type [\"url\"]`}},
	{name: "locations extra key", method: "POST", path: "/api/catalog/locations", body: `{"type":"url","target":"http://127.0.0.1/x.yaml","x":1,"presence":"maybe"}`, status: 400, golden: true},
	{name: "locations without target", method: "POST", path: "/api/catalog/locations", body: `{"type":"url"}`, status: 400, contain: []string{"request/body must have required property 'target'"}},
	{name: "locations type not a string", method: "POST", path: "/api/catalog/locations", body: `{"type":1,"target":"x"}`, status: 400, contain: []string{"request/body/type must be string"}},
	{name: "locations disallowed host", method: "POST", path: "/api/catalog/locations", body: `{"type":"url","target":"http://169.254.169.254/latest"}`, status: 403, contain: []string{"catalog.reading.allow"}},
	{name: "locations list", method: "GET", path: "/api/catalog/locations", status: 200, contain: []string{"[]"}},
	{name: "location missing", method: "GET", path: "/api/catalog/locations/nope", status: 404, contain: []string{"Found no location with ID nope"}},
	{name: "location by entity config", method: "GET", path: "/api/catalog/locations/by-entity/component/default/checkout-web", status: 404},
	{name: "validate ok", method: "POST", path: "/api/catalog/validate-entity", body: `{"location":"url:https://h/x.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"service","lifecycle":"production","owner":"team-a"}}}`, status: 200},
	{name: "validate no owner", method: "POST", path: "/api/catalog/validate-entity", body: `{"location":"url:https://h/x.yaml","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{"type":"service","lifecycle":"production"}}}`, status: 400, contain: []string{`"errors":[{"name":"InputError"`, "owner"}},
	{name: "validate file location", method: "POST", path: "/api/catalog/validate-entity", body: `{"location":"file:/x","entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"a"},"spec":{}}}`, status: 400, contain: []string{`"name":"TypeError"`}},
	{name: "validate envelope", method: "POST", path: "/api/catalog/validate-entity", body: `{"location":"url:https://h/x.yaml","entity":{"kind":"Component"}}`, status: 400,
		contain: []string{`{"errors":[{"name":"TypeError","message":"<root> must have required property 'apiVersion' - missingProperty: apiVersion"}]}`}},
	{name: "validate without location", method: "POST", path: "/api/catalog/validate-entity", body: `{"entity":{}}`, status: 400, golden: true},
	{name: "analyze repository", method: "POST", path: "/api/catalog/analyze-location", body: `{"location":{"type":"url","target":"https://git.example.com/acme/new-service"}}`, status: 200, golden: true},
	{name: "analyze github repository", method: "POST", path: "/api/catalog/analyze-location", body: `{"location":{"type":"url","target":"https://github.com/acme/new-service/tree/main"}}`, status: 200,
		contain: []string{`"annotations":{"github.com/project-slug":"acme/new-service"}`, `"fields":[]`}},
	{name: "analyze extra location key", method: "POST", path: "/api/catalog/analyze-location", body: `{"location":{"type":"url","target":"https://h/a/b","presence":"optional"}}`, status: 400,
		contain: []string{"request/body/location must NOT have additional properties"}},
	{name: "unknown route", method: "GET", path: "/api/catalog/nope", status: 404},
	{name: "processing errors", method: "GET", path: "/api/catalog/processing-errors", status: 200, contain: []string{`"items":[]`}},
}

func TestCatalogAPI(t *testing.T) {
	srv := startServer(t)
	for _, sc := range catalogScenarios {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, srv.URL) })
	}
}

// TestCatalogAPI_Headers checks what the scenarios cannot: every JSON
// answer, errors included, has Express's content type; a body that is not
// JSON is refused with the request validator's message; and the Link header
// of GET /entities keeps the query's order, drops offset and puts after last.
func TestCatalogAPI_Headers(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		link, contain                         string
	}{
		{name: "list", method: "GET", path: "/entities?filter=kind=group&fields=metadata.name", status: 200},
		{name: "paged", method: "GET", path: "/entities?order=desc:metadata.name&limit=2&offset=1&fields=metadata.name", status: 200,
			link: `</entities?order=desc%3Ametadata.name&limit=2&fields=metadata.name&after=`},
		{name: "paged with after", method: "GET", path: "/entities?after=eyJsaW1pdCI6Miwib2Zmc2V0IjoyfQ%3D%3D&fields=kind,metadata.name", status: 200,
			link: `</entities?after=`},
		{name: "by-query", method: "GET", path: "/entities/by-query?limit=1", status: 200},
		{name: "facets", method: "GET", path: "/entity-facets?facet=kind", status: 200},
		{name: "ancestry", method: "GET", path: "/entities/by-name/component/default/notifications-worker/ancestry", status: 200},
		{name: "locations", method: "GET", path: "/locations", status: 200},
		{name: "not found", method: "GET", path: "/entities/by-name/component/default/missing", status: 404},
		{name: "bad parameter", method: "GET", path: "/entities?foo=bar", status: 400},
		{name: "text body", method: "POST", path: "/entities/by-refs", contentType: "text/plain", body: "entityRefs", status: 400,
			contain: `"message":"unsupported media type text/plain"`},
		{name: "text body with charset", method: "POST", path: "/locations", contentType: "text/plain; charset=utf-8", body: "x", status: 400,
			contain: `"message":"unsupported media type text/plain; charset=utf-8"`},
		{name: "validate text body", method: "POST", path: "/validate-entity", contentType: "text/plain", body: "x", status: 400,
			contain: `{"errors":[{"name":"InputError","message":"Illegal Content-Type"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+"/api/catalog"+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if link := resp.Header.Get("Link"); !strings.HasPrefix(link, tt.link) || (tt.link == "") != (link == "") {
				t.Errorf("Link %q, want it to start with %q", link, tt.link)
			}
			if !strings.Contains(string(body), tt.contain) {
				t.Errorf("body lacks %s: %s", tt.contain, body)
			}
		})
	}
}

func TestCatalogAPI_Health(t *testing.T) {
	srv := startServer(t)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s = %d", p, resp.StatusCode)
		}
	}
}

func TestCatalogAPI_OversizedBodyIsInputError(t *testing.T) {
	srv := startServer(t)
	refs := strings.Repeat(`"component:default/x",`, 60000)
	body := `{"entityRefs":[` + strings.TrimSuffix(refs, ",") + `]}`
	resp, err := http.Post(srv.URL+"/api/catalog/entities/by-refs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(got), `"name":"InputError"`) {
		t.Fatalf("oversized body = %d %s", resp.StatusCode, got)
	}
	// Nothing broke: the server still answers.
	ok, err := http.Get(srv.URL + "/api/catalog/entities/by-name/component/default/checkout-web")
	if err != nil || ok.StatusCode != http.StatusOK {
		t.Fatalf("after oversized body: %v %v", ok, err)
	}
	ok.Body.Close()
}
