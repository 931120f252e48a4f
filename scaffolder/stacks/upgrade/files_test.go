package upgrade

import (
	"context"
	"testing"
)

func TestMergeFile(t *testing.T) {
	t.Parallel()
	some := func(s string) side { return side{[]byte(s), true} }
	none := side{}
	tests := []struct {
		name               string
		base, ours, theirs side
		change             Change
		merge              Merge
		present            bool
		content            string
	}{
		{"unchanged", some("a\n"), some("a\n"), some("a\n"), ChangeUnchanged, MergeClean, true, "a\n"},
		{"template change", some("a\n"), some("a\n"), some("b\n"), ChangeModified, MergeClean, true, "b\n"},
		{"owner edit kept", some("a\n"), some("o\n"), some("a\n"), ChangeUnchanged, MergeClean, true, "o\n"},
		{"added", none, none, some("n\n"), ChangeAdded, MergeClean, true, "n\n"},
		{"added on an owner file", none, some("mine\n"), some("n\n"), ChangeAdded, MergeConflict, true, ""},
		{"removed", some("a\n"), some("a\n"), none, ChangeDeleted, MergeClean, false, ""},
		{"removed but edited", some("a\n"), some("o\n"), none, ChangeDeleted, MergeConflict, true, "o\n"},
		{"deleted by the owner", some("a\n"), none, some("b\n"), ChangeUnchanged, MergeClean, false, ""},
		{"binary", some("a\x00"), some("o\x00"), some("t\x00"), ChangeModified, MergeConflict, true, "o\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fc := mergeFile(tt.base, tt.ours, tt.theirs, labels)
			if fc.Change != tt.change || fc.Merge != tt.merge || fc.Present != tt.present {
				t.Fatalf("got %s/%s present=%v, want %s/%s present=%v (%s)", fc.Change, fc.Merge, fc.Present, tt.change, tt.merge, tt.present, fc.Note)
			}
			if tt.content != "" && string(fc.Content) != tt.content {
				t.Errorf("content = %q, want %q", fc.Content, tt.content)
			}
		})
	}
	if fc := mergeFile(some("a\n"), none, none, labels); fc != nil {
		t.Errorf("a file both sides dropped = %+v, want nil", fc)
	}
}

func TestNewPlan_Digest(t *testing.T) {
	t.Parallel()
	tpls := loadTemplates(t)
	ctx := context.Background()
	values := map[string]any{"name": "digest-web", "owner": "group:default/team-a"}
	plan := func(ours map[string][]byte) string {
		t.Helper()
		p, err := NewPlan(ctx, Input{Stack: Stack{Values: values}, Base: tpls["1.0.0"], Target: tpls["2.0.0"], Ours: ours})
		if err != nil {
			t.Fatal(err)
		}
		return p.Digest
	}
	ours := launch(t, tpls["1.0.0"], values, nil)
	first := plan(ours)
	if again := plan(launch(t, tpls["1.0.0"], values, nil)); again != first {
		t.Errorf("the same inputs give digests %s and %s", first, again)
	}
	ours["NOTES.md"] = []byte("not the template's\n")
	if d := plan(ours); d != first {
		t.Errorf("a file the template does not render changed the digest")
	}
	ours["README.md"] = append(ours["README.md"], "edited\n"...)
	if d := plan(ours); d == first {
		t.Errorf("an edit of a rendered file left the digest as it was")
	}
}

// TestNewPlan_Fleet plans a fleet like the benchmark's, smaller, and checks
// that it holds every status.
func TestNewPlan_Fleet(t *testing.T) {
	t.Parallel()
	inputs := fleet(t, 200)
	counts := map[string]int{}
	for _, in := range inputs {
		p, err := NewPlan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		counts[string(p.Status)+"/"+p.BlockedBy]++
	}
	for _, want := range []string{"ready/", "conflicts/", "blocked/owner", "blocked/platform"} {
		if counts[want] == 0 {
			t.Errorf("no %s plan in the fleet: %v", want, counts)
		}
	}
}
