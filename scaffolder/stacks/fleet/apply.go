package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
)

// Applied is what running an upgrade plan did to one stack.
type Applied struct {
	Status upgrade.Status `json:"status"`
	// Branch and Commit are the upgrade branch and its commit; empty when
	// nothing was committed.
	Branch string `json:"branch,omitempty"`
	Commit string `json:"commit,omitempty"`
	// Merged says the commit landed on the default branch, the stack
	// record moved to the new version and its entities were republished.
	Merged bool   `json:"merged"`
	Note   string `json:"note,omitempty"`
	// Base is the head of the default branch the upgrade started from.
	Base string `json:"-"`
}

// applyOptions tune apply.
type applyOptions struct {
	// Digest, when set, must be the plan's digest.
	Digest string
	// OnlyReady commits nothing unless the plan is ready (a rollout).
	OnlyReady bool
	// By is who the history entry names.
	By string
	// Workdir is an empty directory to clone the repository into.
	Workdir string
	Logf    func(format string, args ...any)
}

// apply runs the upgrade plan of st: it clones the stack repository, plans
// over the clone, commits the merged files to UpgradeBranch and pushes it.
// A ready plan is then pushed to the default branch as a fast-forward (a
// default branch that moved since the clone refuses it), the stack record
// moves to the new version with the migrated values, and its entities are
// republished with the new template-version annotation. A plan with
// conflicts or blockers stays on its branch for the owner.
func (s *Service) apply(ctx context.Context, st *store.Stack, toVersion string, o applyOptions) (*Applied, error) {
	repo, err := git.PlainCloneContext(ctx, o.Workdir, false, &git.CloneOptions{URL: st.Repository})
	if err != nil {
		return nil, fmt.Errorf("clone %s: %w", st.Repository, err)
	}
	head, err := repo.Head()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", st.Repository, err)
	}
	ours, err := ReadRepository(ctx, o.Workdir)
	if err != nil {
		return nil, err
	}
	p, err := s.planFiles(ctx, st, toVersion, ours)
	if err != nil {
		return nil, err
	}
	o.Logf("Plan of %s for %s %s → %s: %s (digest %s)", st.Ref(), p.Template, p.From, p.To, p.Status, p.Digest)
	out := &Applied{Status: p.Status, Base: head.Hash().String()}
	if o.OnlyReady && p.Status != upgrade.StatusReady {
		out.Note = "not ready: " + string(p.Status)
		return out, nil
	}
	if err := checkPlan(p, o.Digest); err != nil {
		return nil, err
	}
	if len(p.Files) > 0 {
		out.Branch = UpgradeBranch(p.To)
		commit, err := commitPlan(ctx, repo, p, out.Branch)
		if err != nil {
			return nil, err
		}
		out.Commit = commit.String()
		o.Logf("Pushed %s at %s", out.Branch, out.Commit)
		if p.Status == upgrade.StatusReady {
			spec := gitconfig.RefSpec(fmt.Sprintf("refs/heads/%s:%s", out.Branch, head.Name()))
			if err := repo.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []gitconfig.RefSpec{spec}}); err != nil {
				return nil, fmt.Errorf("merge %s into %s of %s: %w", out.Branch, head.Name().Short(), st.Repository, err)
			}
			out.Merged = true
			o.Logf("Merged %s into %s", out.Branch, head.Name().Short())
		}
	}
	if p.Status == upgrade.StatusReady {
		out.Merged = true
		return out, s.recordUpgrade(ctx, st, p, out, o.By)
	}
	out.Note = proposal(p)
	st.History = append(st.History, store.Event{At: now(), Action: "upgrade-proposed", By: o.By, From: p.From, To: p.To,
		Note: fmt.Sprintf("%s; branch %s", out.Note, out.Branch)})
	if err := s.store.Update(ctx, st); err != nil {
		return nil, err
	}
	o.Logf("Not merged: %s", out.Note)
	return out, nil
}

// recordUpgrade republishes the stack's entities and moves its record to
// the plan's version.
func (s *Service) recordUpgrade(ctx context.Context, st *store.Stack, p *upgrade.Plan, a *Applied, by string) error {
	refs, err := s.publishEntities(ctx, st.Namespace, st.Name, st.Repository, p.Entities)
	if err != nil {
		return err
	}
	target, err := s.Template(ctx, templateName(st.Template), p.To)
	if err != nil {
		return err
	}
	note := "no file changes"
	if a.Commit != "" {
		note = "commit " + a.Commit
	}
	prev := &store.Snapshot{Version: st.Version, Digest: st.Digest, Values: st.Values, EntityRefs: st.EntityRefs, Commit: a.Base}
	st.Version, st.Digest, st.Values, st.EntityRefs = target.Version, target.Digest, p.Values.Given, refs
	return s.recordChange(ctx, auth.StackUpgrade, st, store.Event{At: now(), Action: "upgraded", By: by, From: p.From, To: p.To,
		Note: note, Commit: a.Commit, Previous: prev})
}

// recordChange appends ev to a changed stack's history and stores it,
// with its audit record in the same transaction. The change was
// authorised when its task was created, so the record is Open.
func (s *Service) recordChange(ctx context.Context, permission string, st *store.Stack, ev store.Event) error {
	old, err := s.store.Get(ctx, st.Namespace, st.Name)
	if err != nil {
		return err
	}
	c := stackChange(permission, old)
	c.Open = true
	c.After = stackChange(permission, st).Before
	st.History = append(st.History, ev)
	return s.opts.Audit.Do(asTaskUser(ctx, ev.By), c, func(ctx context.Context) error { return s.store.Update(ctx, st) })
}

// publishEntities registers a stack's entities under its own provider,
// managed by its repository, and returns their refs.
func (s *Service) publishEntities(ctx context.Context, namespace, name, repository string, ents []model.Entity) ([]string, error) {
	key := locationKey(repository)
	refs := make([]string, 0, len(ents))
	for _, e := range ents {
		e.SetAnnotation(model.AnnotationManagedByLocation, key)
		e.SetAnnotation(model.AnnotationManagedByOriginLocation, key)
		refs = append(refs, e.Ref().String())
	}
	if s.opts.Catalog == nil {
		return refs, nil
	}
	if err := s.opts.Catalog.PublishProvided(ctx, StackProvider(namespace, name), ents); err != nil {
		return nil, fmt.Errorf("register the entities of %s/%s: %w", namespace, name, err)
	}
	return refs, nil
}

// proposal says why a plan stays on its branch.
func proposal(p *upgrade.Plan) string {
	if p.Status == upgrade.StatusBlocked {
		return fmt.Sprintf("blocked by %s: %d blocker(s), first %s: %s", p.BlockedBy, len(p.Blockers), p.Blockers[0].Guardrail, p.Blockers[0].Message)
	}
	n := 0
	for _, f := range p.Files {
		n += f.Conflicts
	}
	return fmt.Sprintf("%d conflicting hunk(s) to resolve on the branch", n)
}

// commitPlan commits the plan's files to branch and pushes it.
func commitPlan(ctx context.Context, repo *git.Repository, p *upgrade.Plan, branch string) (plumbing.Hash, error) {
	msg := fmt.Sprintf("Upgrade %s %s → %s\n\nStackyard upgrade plan %s: %s\n", p.Template, p.From, p.To, p.Digest, p.Status)
	return commitFiles(ctx, repo, p.Files, branch, msg)
}

// commitFiles writes files on branch, a new branch from HEAD unless it is
// HEAD's own, commits them (with no change, an empty commit) and pushes
// the branch: a Stackyard branch by force, HEAD's branch only as a
// fast-forward, so a default branch that moved since the clone refuses it.
func commitFiles(ctx context.Context, repo *git.Repository, files []upgrade.FileChange, branch, msg string) (plumbing.Hash, error) {
	wt, err := repo.Worktree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	head, err := repo.Head()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	ref := plumbing.NewBranchReferenceName(branch)
	force := head.Name() != ref
	if force {
		if err := wt.Checkout(&git.CheckoutOptions{Branch: ref, Create: true}); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("create %s: %w", branch, err)
		}
	}
	root := wt.Filesystem.Root()
	for _, f := range files {
		path, err := actions.SafeJoin(root, f.Path)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if !f.Present {
			if _, err := os.Stat(path); err == nil {
				if _, err := wt.Remove(f.Path); err != nil {
					return plumbing.ZeroHash, fmt.Errorf("remove %s: %w", f.Path, err)
				}
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return plumbing.ZeroHash, err
		}
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return plumbing.ZeroHash, err
		}
		if _, err := wt.Add(f.Path); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("add %s: %w", f.Path, err)
		}
	}
	sig := &object.Signature{Name: "Stackyard", Email: "stackyard@stackyard.dev", When: time.Now()}
	commit, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", branch, err)
	}
	spec := gitconfig.RefSpec(fmt.Sprintf("%s:%s", ref, ref))
	if force {
		spec = "+" + spec
	}
	err = repo.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []gitconfig.RefSpec{spec}})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, fmt.Errorf("push %s: %w", branch, err)
	}
	return commit, nil
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
