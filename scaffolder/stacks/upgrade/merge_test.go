package upgrade

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var labels = markerLabels{Ours: "ours", Base: "base", Theirs: "theirs"}

func TestMerge3(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		base, ours, theirs string
		want               string
		conflicts          int
	}{
		{name: "unchanged", base: "a\nb\n", ours: "a\nb\n", theirs: "a\nb\n", want: "a\nb\n"},
		{name: "theirs only", base: "a\nb\nc\n", ours: "a\nb\nc\n", theirs: "a\nB\nc\n", want: "a\nB\nc\n"},
		{name: "ours only", base: "a\nb\nc\n", ours: "a\nb\nc\nd\n", theirs: "a\nb\nc\n", want: "a\nb\nc\nd\n"},
		{name: "both, apart", base: "1\n2\n3\n4\n5\n6\n", ours: "one\n2\n3\n4\n5\n6\n", theirs: "1\n2\n3\n4\n5\nsix\n",
			want: "one\n2\n3\n4\n5\nsix\n"},
		{name: "same change", base: "a\nb\n", ours: "a\nX\n", theirs: "a\nX\n", want: "a\nX\n"},
		{name: "conflict", base: "a\nb\nc\n", ours: "a\nours\nc\n", theirs: "a\ntheirs\nc\n",
			want: "a\n<<<<<<< ours\nours\n||||||| base\nb\n=======\ntheirs\n>>>>>>> theirs\nc\n", conflicts: 1},
		{name: "both insert at end", base: "a\n", ours: "a\nx\n", theirs: "a\ny\n",
			want: "a\n<<<<<<< ours\nx\n||||||| base\n=======\ny\n>>>>>>> theirs\n", conflicts: 1},
		{name: "no final newline", base: "a\nb", ours: "a\nours", theirs: "a\ntheirs",
			want: "a\n<<<<<<< ours\nours\n||||||| base\nb\n=======\ntheirs\n>>>>>>> theirs\n", conflicts: 1},
		{name: "ours deletes, theirs edits elsewhere", base: "a\nb\nc\nd\ne\n", ours: "a\nc\nd\ne\n", theirs: "a\nb\nc\nd\nE\n",
			want: "a\nc\nd\nE\n"},
		{name: "empty base, same add", base: "", ours: "x\n", theirs: "x\n", want: "x\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := merge3([]byte(tt.base), []byte(tt.ours), []byte(tt.theirs), labels)
			if diff := cmp.Diff(tt.want, string(got.content)); diff != "" {
				t.Errorf("merge3 (-want +got):\n%s", diff)
			}
			if got.conflicts != tt.conflicts {
				t.Errorf("conflicts = %d, want %d", got.conflicts, tt.conflicts)
			}
		})
	}
}

// TestMerge3_AgreesWithGit compares clean merges with git merge-file, when
// git is installed.
func TestMerge3_AgreesWithGit(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	base := "apiVersion: v1\nkind: X\nmetadata:\n  name: a\nspec:\n  replicas: 1\n  image: x\n  port: 80\n  env: []\n"
	ours := "apiVersion: v1\nkind: X\nmetadata:\n  name: a\n  labels:\n    team: t\nspec:\n  replicas: 1\n  image: x\n  port: 80\n  env: []\n"
	theirs := "apiVersion: v1\nkind: X\nmetadata:\n  name: a\nspec:\n  replicas: 2\n  image: x\n  port: 80\n  env: []\n  probe: {}\n"
	dir := t.TempDir()
	for name, s := range map[string]string{"base": base, "ours": ours, "theirs": theirs} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(git, "merge-file", "-p", filepath.Join(dir, "ours"), filepath.Join(dir, "base"), filepath.Join(dir, "theirs")).Output()
	if err != nil {
		t.Fatalf("git merge-file: %v", err)
	}
	got := merge3([]byte(base), []byte(ours), []byte(theirs), labels)
	if diff := cmp.Diff(string(out), string(got.content)); diff != "" || got.conflicts != 0 {
		t.Errorf("merge3 differs from git merge-file (-git +merge3):\n%s", diff)
	}
}

func TestUnified(t *testing.T) {
	t.Parallel()
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\nthree\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n"
	want := "--- a/f\n+++ b/f\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+three\n 4\n 5\n 6\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n"
	if diff := cmp.Diff(want, unified("f", []byte(a), []byte(b), true, true)); diff != "" {
		t.Errorf("unified (-want +got):\n%s", diff)
	}
	added := unified("f", nil, []byte("x"), false, true)
	if want := "--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n"; added != want {
		t.Errorf("unified of an added file:\n%s\nwant\n%s", added, want)
	}
	if got := unified("f", []byte(a), []byte(a), true, true); got != "" {
		t.Errorf("unified of equal files = %q, want empty", got)
	}
}
