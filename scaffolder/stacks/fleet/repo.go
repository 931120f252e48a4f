package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/stackyard/stackyard/scaffolder/stacks"
)

// ReadRepository returns the files at the head of a stack repository's
// default branch, by slash-separated path: the owner's side ("ours") of
// an upgrade. A local path (plain or bare) is opened in place; a URL is
// cloned into memory. A repository without commits has no files. At most
// stacks.MaxSourceBytes are read.
func ReadRepository(ctx context.Context, location string) (map[string][]byte, error) {
	var repo *git.Repository
	var err error
	if strings.Contains(location, "://") && !strings.HasPrefix(location, "file://") || strings.HasPrefix(location, "git@") {
		repo, err = git.CloneContext(ctx, memory.NewStorage(), nil, &git.CloneOptions{URL: location, Depth: 1, NoCheckout: true})
		if errors.Is(err, git.ErrRepositoryNotExists) || errors.Is(err, plumbing.ErrReferenceNotFound) {
			return map[string][]byte{}, nil
		}
	} else {
		repo, err = git.PlainOpen(strings.TrimPrefix(location, "file://"))
	}
	if err != nil {
		return nil, fmt.Errorf("open stack repository %s: %w", location, err)
	}
	head, err := repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return map[string][]byte{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read stack repository %s: %w", location, err)
	}
	files, err := CommitFiles(ctx, repo, head.Hash())
	if err != nil {
		return nil, fmt.Errorf("read stack repository %s: %w", location, err)
	}
	return files, nil
}

// CommitFiles returns the files of one commit by slash-separated path; at
// most stacks.MaxSourceBytes are read.
func CommitFiles(ctx context.Context, repo *git.Repository, hash plumbing.Hash) (map[string][]byte, error) {
	commit, err := repo.CommitObject(hash)
	if err != nil {
		return nil, err
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	total := int64(0)
	err = tree.Files().ForEach(func(f *object.File) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !f.Mode.IsFile() {
			return nil
		}
		total += f.Size
		if total > stacks.MaxSourceBytes {
			return fmt.Errorf("more than %d bytes", stacks.MaxSourceBytes)
		}
		r, err := f.Reader()
		if err != nil {
			return err
		}
		defer r.Close()
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		files[f.Name] = data
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}
