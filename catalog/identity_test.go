package catalog_test

import (
	"path/filepath"
	"slices"
	"testing"
)

// The directory that sign-in resolves against: a user by email, and a
// user's groups through memberOf and the groups' parents (childOf), read
// from the index's rows while the body cache holds two entities.
func TestService_Directory(t *testing.T) {
	t.Parallel()
	all, _ := filepath.Abs("testdata/all.yaml")
	h := newHarness(t, "delete", all)
	if ref, ok := h.svc.UserByEmail("jane.doe@example.com"); !ok || ref != "user:default/jdoe" {
		t.Fatalf("UserByEmail = %q, %v", ref, ok)
	}
	if ref, ok := h.svc.UserByEmail("nobody@example.com"); ok {
		t.Fatalf("UserByEmail of an unknown address = %q", ref)
	}
	got := h.svc.ExpandOwnership([]string{"User:default/JDOE"})
	want := []string{"user:default/jdoe", "group:default/team-payments", "group:default/engineering"}
	if !slices.Equal(got, want) {
		t.Fatalf("ExpandOwnership = %q, want %q", got, want)
	}
}
