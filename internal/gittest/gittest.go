// Package gittest holds test helpers over real git repositories: the
// commits a stack's owner pushes, and what a branch of a bare repository
// holds.
package gittest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Signature is a commit signature of name, now.
func Signature(name string) *object.Signature {
	return &object.Signature{Name: name, Email: name + "@example.com", When: time.Now()}
}

// Edit clones repoURL, rewrites one file with fn, commits and pushes to the
// default branch, as a stack's owner does on Day 2.
func Edit(t testing.TB, repoURL, file string, fn func(string) string) {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainClone(dir, false, &git.CloneOptions{URL: repoURL})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(fn(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Add(file); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit("Owner edit of "+file, &git.CommitOptions{Author: Signature("owner")}); err != nil {
		t.Fatal(err)
	}
	if err := repo.Push(&git.PushOptions{}); err != nil {
		t.Fatal(err)
	}
}

// Head returns the commit at a branch of the repository at path.
func Head(t testing.TB, path, branch string) *object.Commit {
	t.Helper()
	repo, err := git.PlainOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		t.Fatalf("%s of %s: %v", branch, path, err)
	}
	c, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// File returns a file's text at a branch, or "" when it has no such file.
func File(t testing.TB, path, branch, file string) string {
	t.Helper()
	f, err := Head(t, path, branch).File(file)
	if err != nil {
		return ""
	}
	text, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return text
}
