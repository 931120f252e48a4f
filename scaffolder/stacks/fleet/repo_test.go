package fleet

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestReadRepository(t *testing.T) {
	ctx := context.Background()
	bare := t.TempDir()
	if _, err := git.PlainInit(bare, true); err != nil {
		t.Fatal(err)
	}
	if files, err := ReadRepository(ctx, bare); err != nil || len(files) != 0 {
		t.Fatalf("empty bare repo = %v, %v", files, err)
	}
	if _, err := ReadRepository(ctx, filepath.Join(bare, "missing")); err == nil {
		t.Fatal("a missing repository reads without error")
	}
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "deploy", "a.yaml"), []byte("a: 1\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "README.md"), []byte("# x\n"), 0o644)
	wt, _ := repo.Worktree()
	_ = wt.AddGlob(".")
	if _, err := wt.Commit("c", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@x", When: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "README.md"), []byte("uncommitted\n"), 0o644)
	for _, loc := range []string{dir, "file://" + dir} {
		files, err := ReadRepository(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 || string(files["deploy/a.yaml"]) != "a: 1\n" || string(files["README.md"]) != "# x\n" {
			t.Fatalf("%s: files = %q", loc, files)
		}
	}
}
