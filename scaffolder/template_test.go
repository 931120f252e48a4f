package scaffolder

import (
	"encoding/json"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
)

// Each page of a template with a list of pages keeps the order in which
// its author wrote the fields: the form draws them in that order.
func TestTemplate_PagesKeepTheAuthorsFieldOrder(t *testing.T) {
	t.Parallel()
	src := `{"apiVersion":"scaffolder.backstage.io/v1beta3","kind":"Template","metadata":{"name":"t"},"spec":{"parameters":[` +
		`{"properties":{"zeta":{"type":"string"},"alpha":{"type":"string"}}},` +
		`{"required":["name"],"properties":{"name":{"type":"string"},"description":{"type":"string"}}}],"steps":[]}}`
	var e model.Entity
	if err := json.Unmarshal([]byte(src), &e); err != nil {
		t.Fatal(err)
	}
	tpl, err := ParseTemplate(e)
	if err != nil {
		t.Fatal(err)
	}
	tpl.Order = model.OrderOf([]byte(src))
	want := []string{
		`{"properties":{"zeta":{"type":"string"},"alpha":{"type":"string"}}}`,
		`{"required":["name"],"properties":{"name":{"type":"string"},"description":{"type":"string"}}}`,
	}
	for i, page := range tpl.Pages() {
		got, err := model.MarshalOrdered(page, tpl.pageOrder(i))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want[i] {
			t.Errorf("page %d: got  %s\nwant %s", i, got, want[i])
		}
	}
}
