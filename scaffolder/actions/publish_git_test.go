package actions_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/stackyard/stackyard/scaffolder/actions"
)

// filesAt lists the files of branch in the bare repository at dir.
func filesAt(t *testing.T, dir, branch string) (map[string]string, *object.Commit) {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		t.Fatalf("branch %s: %v", branch, err)
	}
	commit, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	iter, _ := commit.Files()
	_ = iter.ForEach(func(f *object.File) error {
		s, _ := f.Contents()
		files[f.Name] = s
		return nil
	})
	return files, commit
}

// seedBare makes a bare repository with one commit on main.
func seedBare(t *testing.T, dir string) {
	t.Helper()
	work := t.TempDir()
	repo, err := git.PlainInitWithOptions(work, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")}})
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, work, map[string]string{"existing.txt": "old"})
	wt, _ := repo.Worktree()
	_, _ = wt.Add("existing.txt")
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}
	if _, err := wt.Commit("seed", &git.CommitOptions{Author: sig}); err != nil {
		t.Fatal(err)
	}
	if _, err := git.PlainClone(dir, true, &git.CloneOptions{URL: work}); err != nil {
		t.Fatal(err)
	}
}

func TestPublishGit(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	e := newEnv(t, nil, actions.Options{PublishRoots: []string{root}})
	writeTree(t, e.ws, map[string]string{"README.md": "# svc\n", "src/main.go": "package main\n"})

	t.Run("new repository", func(t *testing.T) {
		target := filepath.Join(root, "new.git")
		out, err := e.run(t, "publish:git", map[string]any{"repoUrl": target, "gitCommitMessage": "scaffolded", "gitAuthorName": "Bot"})
		if err != nil {
			t.Fatal(err)
		}
		files, commit := filesAt(t, target, "main")
		if len(files) != 2 || files["src/main.go"] != "package main\n" || commit.Message != "scaffolded" || commit.Author.Name != "Bot" {
			t.Errorf("pushed %v, commit %q by %s", files, commit.Message, commit.Author.Name)
		}
		if out["commitHash"] != commit.Hash.String() || out["remoteUrl"] != target {
			t.Errorf("outputs = %v", out)
		}
	})

	t.Run("new branch of existing repository", func(t *testing.T) {
		target := filepath.Join(root, "existing.git")
		seedBare(t, target)
		if _, err := e.run(t, "publish:git", map[string]any{"repoUrl": "file://" + target, "branch": "feature", "sourcePath": "src"}); err != nil {
			t.Fatal(err)
		}
		files, commit := filesAt(t, target, "feature")
		if len(files) != 1 || files["main.go"] != "package main\n" || commit.NumParents() != 1 {
			t.Errorf("feature branch = %v, parents %d", files, commit.NumParents())
		}
		if main, _ := filesAt(t, target, "main"); main["existing.txt"] != "old" || len(main) != 1 {
			t.Errorf("main changed: %v", main)
		}
	})

	t.Run("existing branch gets a new commit", func(t *testing.T) {
		target := filepath.Join(root, "existing2.git")
		seedBare(t, target)
		if _, err := e.run(t, "publish:git", map[string]any{"repoUrl": target, "branch": "main"}); err != nil {
			t.Fatal(err)
		}
		files, commit := filesAt(t, target, "main")
		if _, ok := files["existing.txt"]; ok || len(files) != 2 || commit.NumParents() != 1 {
			t.Errorf("main = %v, parents %d", files, commit.NumParents())
		}
	})

	t.Run("symlinked root escape refused", func(t *testing.T) {
		link := filepath.Join(root, "link")
		if err := os.Symlink(t.TempDir(), link); err != nil {
			t.Fatal(err)
		}
		if _, err := e.run(t, "publish:git", map[string]any{"repoUrl": filepath.Join(link, "x.git")}); err == nil {
			t.Error("publish through a symlink out of the root was allowed")
		}
	})
}
