package actions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/stackyard/stackyard/internal/errs"
)

// publishGit is publish:git: commits the workspace to a git repository,
// as a new repository or as a branch of an existing one.
type publishGit struct {
	allow []string
	roots []string
}

var _ Action = publishGit{}

// NewPublishGit returns a publish:git action that may push to the hosts of
// allow and write local repositories under roots, for actions that publish
// through it (such as the stack launch) with their own roots.
func NewPublishGit(allow, roots []string) Action {
	return publishGit{allow: allow, roots: roots}
}

func (publishGit) Describe() Description {
	return Description{
		ID:          "publish:git",
		Description: "Commits the workspace to a git repository: a new repository, or a new or existing branch of an existing one. The target is a local path under an allowed root or a URL on an allowed host.",
		Examples: []Example{{Description: "Publish to a branch",
			Example: "steps:\n  - action: publish:git\n    id: publish\n    name: Publish\n    input:\n      repoUrl: https://git.example.com/team/service.git\n      branch: scaffolded\n"}},
		Input: Schema(map[string]any{
			"repoUrl":          prop("string", "Where to push: a local path, a file:// or http(s) URL, or host?owner=o&repo=r"),
			"branch":           prop("string", "Branch to commit to. Defaults to main."),
			"sourcePath":       prop("string", "Path within the workspace to publish. Defaults to the workspace root."),
			"gitCommitMessage": prop("string", "Commit message. Defaults to 'initial commit'."),
			"gitAuthorName":    prop("string", "Commit author name. Defaults to Scaffolder."),
			"gitAuthorEmail":   prop("string", "Commit author email. Defaults to scaffolder@backstage.io."),
			"token":            prop("string", "A token for http(s) remotes, sent as basic auth."),
		}, "repoUrl"),
		Output: Schema(map[string]any{
			"remoteUrl":       prop("string", "The URL pushed to"),
			"repoContentsUrl": prop("string", "The URL of the pushed branch's contents"),
			"commitHash":      prop("string", "The hash of the commit pushed"),
		}),
	}
}

// remote is a resolved publish target.
type remote struct {
	url   string
	local string // the path, for a local target
}

func (a publishGit) resolve(repoURL string) (remote, error) {
	if p, ok := strings.CutPrefix(repoURL, "file://"); ok || filepath.IsAbs(repoURL) {
		if !ok {
			p = repoURL
		}
		p = filepath.Clean(p)
		for _, root := range a.roots {
			if _, err := SafeJoin(root, p); err == nil {
				return remote{url: p, local: p}, nil
			}
		}
		return remote{}, errs.NotAllowed("Publishing to %s is not allowed: it is not under scaffolder.publish.localRoots", p)
	}
	if !strings.Contains(repoURL, "://") && strings.Contains(repoURL, "?") {
		u, err := url.Parse("https://" + repoURL)
		if err != nil || u.Query().Get("repo") == "" {
			return remote{}, errs.Input("Invalid repo URL passed to publisher: %s", repoURL)
		}
		repoURL = fmt.Sprintf("https://%s/%s/%s.git", u.Host, u.Query().Get("owner"), u.Query().Get("repo"))
	}
	u, err := url.Parse(repoURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return remote{}, errs.Input("Invalid repo URL passed to publisher: %s", repoURL)
	}
	if !HostAllowed(a.allow, u.Host) {
		return remote{}, errs.NotAllowed("Publishing to %s is not allowed. You may need to configure scaffolder.publish.allowedHosts", u.Host)
	}
	return remote{url: repoURL}, nil
}

func (a publishGit) Run(ctx context.Context, ac *Context) error {
	target, err := a.resolve(inputString(ac.Input, "repoUrl", ""))
	if err != nil {
		return err
	}
	source, err := SafeJoin(ac.Workspace, inputString(ac.Input, "sourcePath", "."))
	if err != nil {
		return err
	}
	branch := inputString(ac.Input, "branch", "main")
	var auth transport.AuthMethod
	if tok := inputString(ac.Input, "token", ""); tok != "" {
		auth = &githttp.BasicAuth{Username: "x-access-token", Password: tok}
	}
	if target.local != "" && !exists(target.local) {
		if _, err := git.PlainInit(target.local, true); err != nil {
			return fmt.Errorf("publish:git: create repository: %w", err)
		}
		ac.Logf("Created a new repository at %s", target.local)
	}
	dir, err := os.MkdirTemp("", "stackyard-publish-")
	if err != nil {
		return fmt.Errorf("publish:git: %w", err)
	}
	defer os.RemoveAll(dir)
	repo, err := checkout(ctx, dir, target.url, branch, auth)
	if err != nil {
		return err
	}
	hash, err := commitTree(repo, dir, source, ac.Input)
	if err != nil {
		return err
	}
	refspec := gitconfig.RefSpec(fmt.Sprintf("refs/heads/%s:refs/heads/%s", branch, branch))
	err = repo.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []gitconfig.RefSpec{refspec}, Auth: auth})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("publish:git: push to %s: %w", target.url, err)
	}
	ac.Logf("Pushed commit %s to branch %s of %s", hash, branch, target.url)
	ac.Output("remoteUrl", target.url)
	ac.Output("repoContentsUrl", strings.TrimSuffix(target.url, ".git")+"/tree/"+branch)
	ac.Output("commitHash", hash)
	return nil
}

// checkout clones branch of url into dir. An empty repository gets a
// fresh one; a missing branch starts from the default branch.
func checkout(ctx context.Context, dir, remoteURL, branch string, auth transport.AuthMethod) (*git.Repository, error) {
	repo, err := git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: remoteURL, Auth: auth,
		ReferenceName: plumbing.NewBranchReferenceName(branch), SingleBranch: true})
	switch {
	case err == nil:
		return repo, nil
	case errors.Is(err, transport.ErrEmptyRemoteRepository):
		_ = os.RemoveAll(filepath.Join(dir, ".git"))
		repo, err = git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(branch)}})
		if err != nil {
			return nil, fmt.Errorf("publish:git: init: %w", err)
		}
		_, err = repo.CreateRemote(&gitconfig.RemoteConfig{Name: "origin", URLs: []string{remoteURL}})
		return repo, err
	case isMissingRef(err):
		_ = os.RemoveAll(filepath.Join(dir, ".git"))
		repo, err = git.PlainCloneContext(ctx, dir, false, &git.CloneOptions{URL: remoteURL, Auth: auth})
		if err != nil {
			return nil, fmt.Errorf("publish:git: clone %s: %w", remoteURL, err)
		}
		wt, err := repo.Worktree()
		if err != nil {
			return nil, fmt.Errorf("publish:git: %w", err)
		}
		if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(branch), Create: true}); err != nil {
			return nil, fmt.Errorf("publish:git: create branch %s: %w", branch, err)
		}
		return repo, nil
	}
	return nil, fmt.Errorf("publish:git: clone %s: %w", remoteURL, err)
}

func isMissingRef(err error) bool {
	var nm git.NoMatchingRefSpecError
	return errors.As(err, &nm) || errors.Is(err, plumbing.ErrReferenceNotFound) || strings.Contains(err.Error(), "reference not found") ||
		strings.Contains(err.Error(), "couldn't find remote ref")
}

// commitTree replaces the checkout's files with source and commits.
func commitTree(repo *git.Repository, dir, source string, in map[string]any) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("publish:git: %w", err)
	}
	for _, e := range entries {
		if e.Name() != ".git" {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	err = filepath.WalkDir(source, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(source, p)
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			return copyFile(p, filepath.Join(dir, rel), info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("publish:git: copy workspace: %w", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return "", fmt.Errorf("publish:git: %w", err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return "", fmt.Errorf("publish:git: add: %w", err)
	}
	sig := &object.Signature{Name: inputString(in, "gitAuthorName", "Scaffolder"),
		Email: inputString(in, "gitAuthorEmail", "scaffolder@backstage.io"), When: time.Now()}
	hash, err := wt.Commit(inputString(in, "gitCommitMessage", "initial commit"), &git.CommitOptions{Author: sig, AllowEmptyCommits: true})
	if err != nil {
		return "", fmt.Errorf("publish:git: commit: %w", err)
	}
	return hash.String(), nil
}
