package stacks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/internal/errs"
)

// copyVersion copies one shipped version's files into dir.
func copyVersion(t *testing.T, name, version, dir string) {
	t.Helper()
	src := filepath.Join(stacksDir, name, version)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// commitAll commits the worktree of repo.
func commitAll(t *testing.T, repo *git.Repository, msg string) *object.Commit {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Platform", Email: "platform@example.com", When: time.Unix(1700000000, 0)}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig})
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOpenSource_Git publishes web-service as a git repository, 1.0.0 as a
// lightweight tag v1.0.0 and 2.0.0 as an annotated tag, and reads the
// versions back from the tags.
func TestOpenSource_Git(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	copyVersion(t, "web-service", "1.0.0", dir)
	c1 := commitAll(t, repo, "web-service 1.0.0")
	if _, err := repo.CreateTag("v1.0.0", c1.Hash, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.CreateTag("latest", c1.Hash, nil); err != nil {
		t.Fatal(err)
	}
	copyVersion(t, "web-service", "2.0.0", dir)
	c2 := commitAll(t, repo, "web-service 2.0.0")
	tagger := &object.Signature{Name: "Platform", Email: "platform@example.com", When: time.Unix(1700000100, 0)}
	if _, err := repo.CreateTag("2.0.0", c2.Hash, &git.CreateTagOptions{Tagger: tagger, Message: "2.0.0"}); err != nil {
		t.Fatal(err)
	}
	// Work in progress after the tag is not a version.
	if err := os.WriteFile(filepath.Join(dir, "template.cue"), []byte("package webservice\n\nbroken: {"), 0o644); err != nil {
		t.Fatal(err)
	}

	src, err := OpenSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.0.0", "2.0.0"}, src.Versions()); diff != "" {
		t.Fatalf("versions (-want +got):\n%s", diff)
	}
	if src.Latest() != "2.0.0" {
		t.Errorf("Latest = %s", src.Latest())
	}
	for _, v := range src.Versions() {
		tpl, err := src.Load(ctx, v, Options{})
		if err != nil {
			t.Fatalf("load %s: %v", v, err)
		}
		if tpl.Version != v || tpl.Name != "web-service" {
			t.Errorf("loaded %s %s, want web-service %s", tpl.Name, tpl.Version, v)
		}
	}
	if _, err := src.FS(ctx, "3.0.0"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("FS(3.0.0) = %v, want ErrNotFound", err)
	}
}

func TestOpenSource_Dir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := OpenSource(ctx, filepath.Join(stacksDir, "web-service"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.0.0", "2.0.0"}, src.Versions()); diff != "" {
		t.Fatalf("versions (-want +got):\n%s", diff)
	}

	// A version folder whose template names another version is refused.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "1.1.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyVersion(t, "web-service", "1.0.0", filepath.Join(dir, "1.1.0"))
	src, err = OpenSource(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Load(ctx, "1.1.0", Options{}); err == nil || !strings.Contains(err.Error(), `template.version is "1.0.0"`) {
		t.Errorf("Load of a mislabelled version = %v", err)
	}
	if _, err := OpenSource(ctx, t.TempDir()); !errors.Is(err, errs.ErrInput) {
		t.Errorf("OpenSource of an empty folder = %v, want ErrInput", err)
	}
}

// TestDirSnapshot_SkipsSymlinks makes sure a template cannot read a file
// outside its folder through a symbolic link.
func TestDirSnapshot_SkipsSymlinks(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "secret.cue")
	if err := os.WriteFile(outside, []byte("package t\nsecret: \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stack.cue"), []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "secret.cue")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	fsys, err := DirSnapshot(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	names, err := sortedFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"stack.cue"}, names); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tpl := loadShipped(t, "web-service", "2.0.0")
	got, applied, err := tpl.Migrate(ctx, "1.0.0", map[string]any{"name": "a-b-c", "owner": "u", "port": 9090, "replicas": 3})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "a-b-c", "owner": "u", "containerPort": float64(9090), "replicas": float64(3)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated values (-want +got):\n%s", diff)
	}
	if len(applied) != 1 || applied[0].From != "1.x" {
		t.Errorf("applied = %v", applied)
	}
	same, applied, err := tpl.Migrate(ctx, "2.0.0", want)
	if err != nil || len(applied) != 0 || !cmp.Equal(same, want) {
		t.Errorf("Migrate from the same version = %v, %v, %v", same, applied, err)
	}
}
