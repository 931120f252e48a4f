package stacks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/stackyard/stackyard/internal/errs"
)

// Bounds on what a template source may hold.
const (
	// MaxSourceBytes is the most one version of a template may hold, all
	// files together.
	MaxSourceBytes = 8 << 20
	// MaxSourceFiles is the most files one version of a template may hold.
	MaxSourceFiles = 1000
)

// Source is where the versions of one stack template come from: a git
// repository whose semver tags are the versions, or a directory with one
// sub-folder per version.
type Source struct {
	location string
	dir      string                   // a directory source: the folder of versions
	repo     *git.Repository          // a git source
	tags     map[string]plumbing.Hash // a git source: version → commit
	versions []string                 // oldest first
}

// OpenSource opens a template source. A local git repository (plain or
// bare) with at least one semver tag is read by its tags; any other local
// directory must hold one sub-folder per version. A location with "://" or
// "git@" is cloned into memory; ctx bounds the clone.
func OpenSource(ctx context.Context, location string) (*Source, error) {
	if strings.Contains(location, "://") || strings.HasPrefix(location, "git@") {
		repo, err := git.CloneContext(ctx, memory.NewStorage(), nil, &git.CloneOptions{URL: location, Tags: git.AllTags, NoCheckout: true})
		if err != nil {
			return nil, fmt.Errorf("clone template source %s: %w", location, err)
		}
		return gitSource(location, repo)
	}
	info, err := os.Stat(location)
	if err != nil {
		return nil, fmt.Errorf("open template source %s: %w", location, err)
	}
	if !info.IsDir() {
		return nil, errs.Input("template source %s is not a directory", location)
	}
	if repo, err := git.PlainOpen(location); err == nil {
		if s, err := gitSource(location, repo); err == nil {
			return s, nil
		}
	}
	return dirSource(location)
}

// dirSource lists the version sub-folders of dir.
func dirSource(dir string) (*Source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open template source %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := ParseVersion(e.Name()); err == nil {
				names = append(names, e.Name())
			}
		}
	}
	if len(names) == 0 {
		return nil, errs.Input("template source %s has no version sub-folders such as 1.0.0/", dir)
	}
	return &Source{location: dir, dir: dir, versions: SortVersions(names)}, nil
}

// gitSource reads the semver tags of repo.
func gitSource(location string, repo *git.Repository) (*Source, error) {
	refs, err := repo.Tags()
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", location, err)
	}
	tags := map[string]plumbing.Hash{}
	err = refs.ForEach(func(ref *plumbing.Reference) error {
		v, err := ParseVersion(ref.Name().Short())
		if err != nil {
			return nil
		}
		commit, err := tagCommit(repo, ref.Hash())
		if err != nil {
			return fmt.Errorf("tag %s: %w", ref.Name().Short(), err)
		}
		if _, dup := tags[v.String()]; !dup || !strings.HasPrefix(ref.Name().Short(), "v") {
			tags[v.String()] = commit
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", location, err)
	}
	if len(tags) == 0 {
		return nil, errs.Input("template source %s has no semver tags such as v1.0.0", location)
	}
	versions := make([]string, 0, len(tags))
	for v := range tags {
		versions = append(versions, v)
	}
	return &Source{location: location, repo: repo, tags: tags, versions: SortVersions(versions)}, nil
}

// tagCommit resolves a tag, annotated or lightweight, to its commit.
func tagCommit(repo *git.Repository, h plumbing.Hash) (plumbing.Hash, error) {
	if tag, err := repo.TagObject(h); err == nil {
		c, err := tag.Commit()
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return c.Hash, nil
	}
	c, err := repo.CommitObject(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.Hash, nil
}

// Location is the path or URL the source was opened from.
func (s *Source) Location() string { return s.location }

// Versions returns the versions, oldest first.
func (s *Source) Versions() []string { return append([]string(nil), s.versions...) }

// Latest returns the newest version.
func (s *Source) Latest() string { return s.versions[len(s.versions)-1] }

// FS returns a snapshot of one version's files, read into memory within
// MaxSourceBytes and MaxSourceFiles. Symbolic links and git submodules are
// left out, so nothing a template loads can come from outside it.
func (s *Source) FS(ctx context.Context, version string) (fs.FS, error) {
	v, err := ParseVersion(version)
	if err != nil {
		return nil, err
	}
	if s.repo != nil {
		h, ok := s.tags[v.String()]
		if !ok {
			return nil, errs.NotFound("template source %s has no version %s", s.location, version)
		}
		return gitSnapshot(ctx, s.repo, h)
	}
	for _, name := range []string{v.String(), "v" + v.String()} {
		dir := filepath.Join(s.dir, name)
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			return DirSnapshot(ctx, dir)
		}
	}
	return nil, errs.NotFound("template source %s has no version %s", s.location, version)
}

// Load compiles one version.
func (s *Source) Load(ctx context.Context, version string, opts Options) (*Template, error) {
	fsys, err := s.FS(ctx, version)
	if err != nil {
		return nil, err
	}
	if opts.Name == "" {
		opts.Name = path.Join(filepath.ToSlash(s.location), version)
	}
	t, err := Compile(ctx, fsys, opts)
	if err != nil {
		return nil, err
	}
	if t.Version != version {
		return nil, errs.Input("%s: template.version is %q but the source names it %s", opts.Name, t.Version, version)
	}
	return t, nil
}

// snapshot collects files within the source bounds.
type snapshot struct {
	fs    fstest.MapFS
	bytes int64
}

func (s *snapshot) add(name string, r io.Reader, size int64) error {
	if len(s.fs) >= MaxSourceFiles {
		return errs.Input("template has more than %d files", MaxSourceFiles)
	}
	if s.bytes+size > MaxSourceBytes {
		return errs.Input("template is larger than %d bytes", MaxSourceBytes)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxSourceBytes-s.bytes+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	s.bytes += int64(len(data))
	if s.bytes > MaxSourceBytes {
		return errs.Input("template is larger than %d bytes", MaxSourceBytes)
	}
	s.fs[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	return nil
}

// DirSnapshot reads the regular files under dir into memory; dot folders
// such as .git are skipped, and so are symbolic links.
func DirSnapshot(ctx context.Context, dir string) (fs.FS, error) {
	snap := &snapshot{fs: fstest.MapFS{}}
	root := os.DirFS(dir)
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() && p != "." && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := d.Info()
		if err != nil {
			return err
		}
		return snap.add(p, f, info.Size())
	})
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", dir, err)
	}
	return snap.fs, nil
}

// gitSnapshot reads the regular files of a commit's tree into memory.
func gitSnapshot(ctx context.Context, repo *git.Repository, h plumbing.Hash) (fs.FS, error) {
	commit, err := repo.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", h, err)
	}
	snap := &snapshot{fs: fstest.MapFS{}}
	err = tree.Files().ForEach(func(f *object.File) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.Mode != filemode.Regular && f.Mode != filemode.Executable {
			return nil
		}
		r, err := f.Reader()
		if err != nil {
			return err
		}
		defer r.Close()
		return snap.add(f.Name, r, f.Size)
	})
	if err != nil {
		return nil, fmt.Errorf("read template at %s: %w", h, err)
	}
	return snap.fs, nil
}

// sortedFiles lists the regular files of fsys in lexical order.
func sortedFiles(fsys fs.FS) ([]string, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}
