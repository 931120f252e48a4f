package query

import (
	"strings"
	"testing"
)

func TestFacets(t *testing.T) {
	t.Parallel()
	ix := fixtureIndex(t)
	tests := []struct {
		name   string
		filter Predicate
		facets []string
		want   map[string][]FacetCount
	}{
		{"checklist 33", mustFilters(t, "kind=component"), []string{"kind", "metadata.tags"}, map[string][]FacetCount{
			"kind":          {{"Component", 4}},
			"metadata.tags": {{"go", 1}, {"react", 1}, {"typescript", 1}},
		}},
		{"checklist 34", mustPredicate(t, `{"kind":"component"}`), []string{"spec.type"}, map[string][]FacetCount{
			"spec.type": {{"library", 1}, {"service", 2}, {"website", 1}},
		}},
		{"keys matched lower-cased, reported as asked", Predicate{}, []string{"Spec.Lifecycle"}, map[string][]FacetCount{
			"Spec.Lifecycle": {{"experimental", 1}, {"production", 4}},
		}},
		{"relations, originals kept apart", mustFilters(t, "kind=component"), []string{"relations.ownedBy", "spec.owner"}, map[string][]FacetCount{
			"relations.ownedBy": {{"group:default/team-payments", 2}, {"group:default/team-platform", 1}, {"user:default/jdoe", 1}},
			"spec.owner":        {{"group:default/team-payments", 1}, {"team-payments", 1}, {"team-platform", 1}, {"user:default/jdoe", 1}},
		}},
		{"unknown facet", Predicate{}, []string{"spec.nothing"}, map[string][]FacetCount{"spec.nothing": {}}},
		{"no match", mustFilters(t, "kind=nothing"), []string{"kind"}, map[string][]FacetCount{"kind": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if d := diff(tt.want, ix.Facets(tt.filter, tt.facets)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestFacets_CaseVariantsAndLongValues(t *testing.T) {
	t.Parallel()
	ix := NewIndex()
	long := strings.Repeat("x", 201)
	ix.Upsert(testDoc(t, "1", "Component", "a", map[string]any{"type": "Service", "note": long}))
	ix.Upsert(testDoc(t, "2", "Component", "b", map[string]any{"type": "service"}))
	ix.Upsert(testDoc(t, "3", "Component", "c", map[string]any{"type": "service"}))
	ix.Upsert(testDoc(t, "4", "API", "d", map[string]any{"type": "SERVICE"}))
	want := []FacetCount{{"SERVICE", 1}, {"Service", 1}, {"service", 2}}
	for _, p := range []Predicate{{}, mustFilters(t, "metadata.name")} {
		got := ix.Facets(p, []string{"spec.type", "spec.note"})
		if d := diff(want, got["spec.type"]); d != "" {
			t.Errorf("%s: spec.type (-want +got):\n%s", p, d)
		}
		if len(got["spec.note"]) != 0 {
			t.Errorf("values over 200 characters are counted: %v", got["spec.note"])
		}
	}
	filtered := ix.Facets(mustFilters(t, "kind=component"), []string{"spec.type"})["spec.type"]
	if d := diff([]FacetCount{{"Service", 1}, {"service", 2}}, filtered); d != "" {
		t.Errorf("filtered (-want +got):\n%s", d)
	}
	// Counters follow updates.
	ix.Upsert(testDoc(t, "4", "API", "d", map[string]any{"type": "service"}))
	ix.Remove("1")
	if d := diff([]FacetCount{{"service", 3}}, ix.Facets(Predicate{}, []string{"spec.type"})["spec.type"]); d != "" {
		t.Errorf("after updates (-want +got):\n%s", d)
	}
}
