package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/stacks"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
)

// Publisher registers a stack's entities in the catalog; the catalog
// Service's PublishProvided is one.
type Publisher interface {
	PublishProvided(ctx context.Context, provider string, ents []model.Entity) error
}

// StackProvider is the catalog provider name of one stack's entities,
// "StackProvider:NAMESPACE/NAME", so a later upgrade replaces exactly them.
func StackProvider(namespace, name string) string { return "StackProvider:" + namespace + "/" + name }

// LaunchOptions configure the launch action.
type LaunchOptions struct {
	// Repositories is the directory under which each stack gets its bare
	// repository, NAMESPACE/NAME.git.
	Repositories string
}

// LaunchAction returns the stackyard:stack:launch action that the Template
// entities' single step runs (stacks.Template.TemplateEntity).
// A relative Repositories is taken from the working directory.
func (s *Service) LaunchAction(opts LaunchOptions) actions.Action {
	if abs, err := filepath.Abs(opts.Repositories); err == nil {
		opts.Repositories = abs
	}
	return launch{fleet: s, opts: opts, publish: actions.NewPublishGit(nil, []string{opts.Repositories})}
}

type launch struct {
	fleet   *Service
	opts    LaunchOptions
	publish actions.Action
}

var _ actions.Action = launch{}

// safeName is what a stack name or namespace must look like to name a
// repository directory.
var safeName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (launch) Describe() actions.Description {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	return actions.Description{
		ID: stacks.LaunchAction,
		Description: "Launches a stack from a stack template: checks the values with CUE (guardrails included), renders the files, " +
			"publishes them to a new repository, registers the stack's entities in the catalog and records the stack.",
		Input: actions.Schema(map[string]any{
			"template":  str("The stack template's name"),
			"version":   str("The template version; defaults to the newest"),
			"namespace": str("The stack's namespace; defaults to default"),
			"values":    map[string]any{"type": "object", "description": "The values the owner gave (the form's parameters)"},
		}, "template", "values"),
		Output: actions.Schema(map[string]any{
			"remoteUrl":  str("The stack repository"),
			"commitHash": str("The launch commit"),
			"stack":      str("NAMESPACE/NAME of the stack"),
			"entityRef":  str("The stack's first entity"),
		}),
		SupportsDryRun: true,
	}
}

func (a launch) Run(ctx context.Context, ac *actions.Context) error {
	tname, _ := ac.Input["template"].(string)
	version, _ := ac.Input["version"].(string)
	ns, _ := ac.Input["namespace"].(string)
	if ns == "" {
		ns = "default"
	}
	values, _ := ac.Input["values"].(map[string]any)
	if version == "" {
		v, err := a.fleet.Latest(tname)
		if err != nil {
			return err
		}
		version = v
	}
	t, err := a.fleet.Template(ctx, tname, version)
	if err != nil {
		return err
	}

	// 1. CUE has the final word: constraints, then guardrails.
	res, err := t.Render(ctx, stacks.Input{Namespace: ns, Values: values})
	if err != nil {
		return fmt.Errorf("%s@%s: %w", tname, version, err)
	}
	if err := res.Check(); err != nil {
		return fmt.Errorf("%s@%s: %w", tname, version, err)
	}
	name, _ := res.Resolved["name"].(string)
	owner, _ := res.Resolved["owner"].(string)
	lifecycle, _ := res.Resolved["lifecycle"].(string)
	if !safeName.MatchString(name) || !safeName.MatchString(ns) {
		return errs.Input("stack %s/%s: the namespace and name must be lowercase letters, digits and dashes", ns, name)
	}
	ac.Logf("Values of %s/%s hold for %s@%s; %d files, %d entities", ns, name, tname, version, len(res.Files), len(res.Entities))
	if _, err := a.fleet.store.Get(ctx, ns, name); err == nil {
		return fmt.Errorf("stack %s/%s already exists: %w", ns, name, errs.ErrConflict)
	} else if !errors.Is(err, errs.ErrNotFound) {
		return err
	}

	// 2. Render the files into the workspace.
	src, err := actions.SafeJoin(ac.Workspace, "stack")
	if err != nil {
		return err
	}
	for _, f := range res.Files {
		p, err := actions.SafeJoin(src, f.Path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("render %s: %w", f.Path, err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			return fmt.Errorf("render %s: %w", f.Path, err)
		}
	}
	if ac.DryRun {
		ac.Logf("Dry run: not publishing, registering or recording %s/%s", ns, name)
		return nil
	}

	// 3. Publish to a new bare repository; creating its directory first
	// makes two launches of one name exclusive.
	repoPath := filepath.Join(a.opts.Repositories, ns, name+".git")
	if err := os.MkdirAll(filepath.Dir(repoPath), 0o755); err != nil {
		return fmt.Errorf("stack repository: %w", err)
	}
	if err := os.Mkdir(repoPath, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("stack repository %s already exists: %w", repoPath, errs.ErrConflict)
		}
		return fmt.Errorf("stack repository: %w", err)
	}
	published := false
	defer func() {
		if !published {
			_ = os.RemoveAll(repoPath)
		}
	}()
	// HEAD names main, the branch published, so clones and ReadRepository see it.
	if _, err := git.PlainInitWithOptions(repoPath, &git.PlainInitOptions{Bare: true,
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")}}); err != nil {
		return fmt.Errorf("stack repository: %w", err)
	}
	pub := &actions.Context{TaskID: ac.TaskID, StepID: ac.StepID, Workspace: ac.Workspace, Log: ac.Log,
		TemplateInfo: ac.TemplateInfo, User: ac.User,
		Input: map[string]any{"repoUrl": repoPath, "sourcePath": "stack", "branch": "main",
			"gitCommitMessage": fmt.Sprintf("Launch %s@%s", tname, version),
			"gitAuthorName":    "Stackyard", "gitAuthorEmail": "stackyard@stackyard.dev"}}
	if err := a.publish.Run(ctx, pub); err != nil {
		return err
	}
	out := pub.Outputs()

	// 4. Register the entities under the stack's own provider.
	provider := StackProvider(ns, name)
	refs, err := a.fleet.publishEntities(ctx, ns, name, repoPath, res.Entities)
	if err != nil {
		return err
	}
	ac.Logf("Registered %s", strings.Join(refs, ", "))

	// 5. Record the stack: the given values only, never secrets.
	st := &store.Stack{Namespace: ns, Name: name, Template: t.Ref(), Version: t.Version, Digest: t.Digest,
		Values: t.StorableValues(res.Given), Repository: repoPath, Owner: owner, Lifecycle: lifecycle, EntityRefs: refs,
		History: []store.Event{{At: now(), Action: "launched", By: ac.User.Ref, To: t.Version}}}
	if err := a.fleet.record(ctx, ac.User.Ref, st); err != nil {
		if c := a.fleet.opts.Catalog; c != nil {
			_ = c.PublishProvided(context.WithoutCancel(ctx), provider, nil)
		}
		return err
	}
	published = true
	ac.Logf("Launched stack %s/%s from %s@%s", ns, name, tname, version)
	ac.Output("remoteUrl", out["remoteUrl"])
	ac.Output("commitHash", out["commitHash"])
	ac.Output("stack", st.Ref())
	if len(refs) > 0 {
		ac.Output("entityRef", refs[0])
	}
	return nil
}
