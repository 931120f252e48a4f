package query

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

func TestList_Filters(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	tests := []struct {
		name    string
		filters []string
		want    []string // names, in uid order
	}{
		{"checklist 5", []string{"kind=component,spec.type=service", "kind=group"},
			[]string{"notifications-worker", "checkout-service", "team-platform", "team-payments", "engineering"}},
		{"checklist 6", []string{"kind=user,kind=group"}, []string{"jdoe", "team-platform", "team-payments", "asmith", "engineering"}},
		{"checklist 7 tag key", []string{"metadata.tags.go"}, []string{"checkout-service"}},
		{"checklist 7 tag value", []string{"metadata.tags=go"}, []string{"checkout-service"}},
		{"checklist 7 case", []string{"KIND=COMPONENT"}, []string{"notifications-worker", "checkout-service", "checkout-web", "ledger-lib"}},
		{"checklist 8", []string{"relations.ownedBy=group:default/team-platform"},
			[]string{"notifications-worker", "hello-debug", "payments-db"}},
		{"checklist 9", []string{"metadata.annotations.backstage.io/managed-by-location=file:<PEER_DIR>/fixtures/extra.yaml"},
			[]string{"notifications-worker"}},
		{"existence", []string{"spec.subcomponentOf"}, []string{"ledger-lib"}},
		{"nothing", []string{"kind=nothing"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ix.List(bg, ListRequest{Filter: mustFilters(t, tt.filters...)})
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(tt.want, names(t, r.Items)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestList_EmptyIndex(t *testing.T) {
	t.Parallel()
	r, err := NewIndex().List(bg, ListRequest{})
	if err != nil || len(r.Items) != 0 || r.NextAfter != "" {
		t.Errorf("List on an empty index = %v, %v", r, err)
	}
}

func TestList_FieldsProjection(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	r, err := ix.List(bg, ListRequest{Filter: mustFilters(t, "kind=domain"), Fields: []string{"kind,metadata.name"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 1 || string(r.Items[0]) != `{"kind":"Domain","metadata":{"name":"payments"}}` {
		t.Errorf("items = %s", r.Items)
	}
	if _, err := ix.List(bg, ListRequest{Fields: []string{"metadata.tags[0]"}}); !errors.Is(err, errs.ErrInput) {
		t.Errorf("array field: error %v", err)
	}
}

func TestList_Paged(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	tests := []struct {
		name      string
		req       ListRequest
		want      []string
		wantAfter string // decoded
	}{
		{"by ref without order", ListRequest{Limit: ptr(3)}, []string{"payments-api", "checkout-service", "checkout-web"}, `{"limit":3,"offset":3}`},
		{"checklist 13", ListRequest{Order: []Order{{Field: "metadata.name", Desc: true}}, Limit: ptr(2), Offset: ptr(1)},
			[]string{"team-payments", "payments-db"}, `{"limit":2,"offset":3}`},
		{"checklist 14 after", ListRequest{Order: []Order{{Field: "metadata.name", Desc: true}}, After: ptr(after(3, 2))},
			[]string{"payments-db", "payments-api", "payments"}, `{"limit":3,"offset":5}`},
		{"after overrides offset and limit", ListRequest{Limit: ptr(10), Offset: ptr(10), After: ptr(after(1, 0))}, []string{"payments-api"}, `{"limit":1,"offset":1}`},
		{"missing values last, ties by uid", ListRequest{Order: []Order{{Field: "spec.lifecycle", Desc: true}}, Limit: ptr(6)},
			[]string{"notifications-worker", "checkout-service", "checkout-web", "payments-api", "ledger-lib", "extra"}, `{"limit":6,"offset":6}`},
		{"several directives", ListRequest{Order: []Order{{Field: "spec.type"}, {Field: "metadata.name", Desc: true}}, Filter: mustFilters(t, "spec.type"), Offset: ptr(3)},
			[]string{"extra", "ledger-lib", "payments-api", "notifications-worker", "hello-debug", "checkout-service", "team-platform", "team-payments", "checkout-web"}, ""},
		{"offset only returns the rest", ListRequest{Offset: ptr(14)}, []string{"asmith", "jdoe"}, ""},
		{"last page", ListRequest{Offset: ptr(15), Limit: ptr(5)}, []string{"jdoe"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := ix.List(bg, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(tt.want, names(t, r.Items)); d != "" {
				t.Errorf("items (-want +got):\n%s", d)
			}
			got := ""
			if r.NextAfter != "" {
				b, err := base64.StdEncoding.DecodeString(r.NextAfter)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if got != tt.wantAfter {
				t.Errorf("after = %s, want %s", got, tt.wantAfter)
			}
		})
	}
}

func after(limit, offset int) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, `{"limit":%d,"offset":%d}`, limit, offset))
}

func TestList_Errors(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	tests := []struct {
		req  ListRequest
		want string
	}{
		{ListRequest{Limit: ptr(0)}, "Invalid limit, must be greater than zero"},
		{ListRequest{Offset: ptr(-1)}, "Invalid offset, must be zero or greater"},
		{ListRequest{After: ptr("")}, "Invalid after, must not be empty"},
		{ListRequest{After: ptr("!!")}, "Malformed after cursor, could not be parsed"},
		{ListRequest{After: ptr(base64.StdEncoding.EncodeToString([]byte(`{"limit":"x"}`)))}, "Malformed after cursor, limit was not an number"},
		{ListRequest{After: ptr(base64.StdEncoding.EncodeToString([]byte(`{"offset":1.5}`)))}, "Malformed after cursor, offset was not a number"},
		{ListRequest{Limit: ptr(1), Fields: []string{"a[1]"}}, `Invalid field "a[1]", array type fields are not supported`},
	}
	for _, tt := range tests {
		_, err := ix.List(bg, tt.req)
		if err == nil || err.Error() != tt.want || !errors.Is(err, errs.ErrInput) {
			t.Errorf("List(%+v) error %v, want %q", tt.req, err, tt.want)
		}
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	docs := docsFor(t, generateEntities(2500, 9))
	ix := NewIndex()
	for _, d := range docs {
		ix.Upsert(d)
	}
	tests := []struct {
		name string
		req  ListRequest
		want int
	}{
		{"everything", ListRequest{}, 2500},
		{"filtered", ListRequest{Filter: mustFilters(t, "kind=component")}, count(t, ix, "kind=component")},
		{"ordered keeps entities without the field", ListRequest{Order: []Order{{Field: "spec.lifecycle"}}}, 2500},
	}
	for _, tt := range tests {
		seq, err := ix.Stream(bg, tt.req)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		seen := map[string]bool{}
		for item, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			seen[string(item)] = true
			n++
		}
		if n != tt.want || len(seen) != n {
			t.Errorf("%s: streamed %d (%d distinct), want %d", tt.name, n, len(seen), tt.want)
		}
	}
	// Stopping early is allowed.
	seq, _ := ix.Stream(bg, ListRequest{})
	for range seq {
		break
	}
}

// TestStream_NullsOnlyOnTheFirstPage streams a catalog where more than a
// first page (10,000) of entities have the order field: as in Backstage,
// whose later pages continue from a value, the others never appear.
func TestStream_NullsOnlyOnTheFirstPage(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 15,000 entities")
	}
	t.Parallel()
	ix := NewIndex()
	for _, d := range docsFor(t, generateEntities(15_000, 9)) {
		ix.Upsert(d)
	}
	with := count(t, ix, "spec.lifecycle")
	if with <= streamFirstPage {
		t.Fatalf("only %d entities have spec.lifecycle", with)
	}
	seq, err := ix.Stream(bg, ListRequest{Order: []Order{{Field: "spec.lifecycle", Desc: true}}, Fields: []string{"metadata.uid"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != with {
		t.Errorf("streamed %d, want the %d entities with a value", n, with)
	}
}
