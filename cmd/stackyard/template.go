package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/internal/config"
	"github.com/stackyard/stackyard/scaffolder/stacks"
	"github.com/stackyard/stackyard/scaffolder/stacks/upgrade"
	"github.com/stackyard/stackyard/schemas"
)

const templateUsage = `usage:
  stackyard template vet [--config FILE] DIR
      compile a stack template, render every example, run its guardrails and
      validate the emitted entities with the catalog schemas; DIR is one
      version or a template source (version folders or a git repository)
  stackyard template diff DIR --from VERSION --to VERSION --values FILE
                          [--repo DIR] [--namespace NS] [--owner REF] [--json]
      print what upgrading one stack would do; --repo is the stack
      repository's working tree (default: the base version as launched)
exit status: 0 ok (diff: ready or up-to-date), 1 problems (diff: conflicts
or blocked), 2 usage or other errors
`

// templateCmd runs `stackyard template vet|diff`.
func templateCmd(ctx context.Context, args []string) int {
	return runTemplate(ctx, args, os.Stdout, os.Stderr)
}

// runTemplate is templateCmd with its output streams, for tests.
func runTemplate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, templateUsage)
		return 2
	}
	var err error
	code := 0
	switch args[0] {
	case "vet":
		code, err = templateVet(ctx, args[1:], stdout)
	case "diff":
		code, err = templateDiff(ctx, args[1:], stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, templateUsage)
		return 0
	default:
		err = fmt.Errorf("%w: unknown template command %q", errUsage, args[0])
	}
	if err != nil {
		fmt.Fprintln(stderr, "stackyard template:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(stderr, templateUsage)
		}
		return max(code, 2)
	}
	return code
}

// errUsage marks a command line that does not parse.
var errUsage = errors.New("usage")

// templateVet runs `stackyard template vet [--config FILE] DIR`.
func templateVet(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	flags := flag.NewFlagSet("template vet", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	cfgPath := flags.String("config", "", "config file with the catalog policy (default ./config.yaml when present)")
	dirs, err := parseInterspersed(flags, args)
	if err != nil || len(dirs) != 1 {
		return 2, fmt.Errorf("%w: template vet [--config FILE] DIR", errUsage)
	}
	v, err := catalogValidator(*cfgPath)
	if err != nil {
		return 2, err
	}
	problems, err := stacks.Vet(ctx, dirs[0], stacks.Options{Validator: v}, stdout)
	if err != nil {
		return 2, err
	}
	if problems > 0 {
		return 1, nil
	}
	return 0, nil
}

// diffFlags are the options of `template diff`.
type diffFlags struct {
	from, to, values, repo, namespace, owner string
	json                                     bool
}

// templateDiff runs `stackyard template diff DIR --from V --to V --values FILE`.
func templateDiff(ctx context.Context, args []string, stdout io.Writer) (int, error) {
	var f diffFlags
	flags := flag.NewFlagSet("template diff", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.StringVar(&f.from, "from", "", "the version the stack is on")
	flags.StringVar(&f.to, "to", "", "the version to upgrade to")
	flags.StringVar(&f.values, "values", "", "the stack's values, YAML or JSON")
	flags.StringVar(&f.repo, "repo", "", "the stack repository's working tree")
	flags.StringVar(&f.namespace, "namespace", "", "the stack's namespace")
	flags.StringVar(&f.owner, "owner", "", "the stack owner's entity ref")
	flags.BoolVar(&f.json, "json", false, "print the plan as JSON")
	dirs, err := parseInterspersed(flags, args)
	if err != nil || len(dirs) != 1 || f.from == "" || f.to == "" || f.values == "" {
		return 2, fmt.Errorf("%w: template diff DIR --from VERSION --to VERSION --values FILE", errUsage)
	}
	plan, err := planFromFlags(ctx, dirs[0], f)
	if err != nil {
		return 2, err
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(plan)
	} else {
		err = plan.WriteText(stdout)
	}
	if err != nil {
		return 2, fmt.Errorf("write the plan: %w", err)
	}
	if plan.Status == upgrade.StatusReady || plan.Status == upgrade.StatusUpToDate {
		return 0, nil
	}
	return 1, nil
}

// planFromFlags loads both versions, the values and the repository, and plans.
func planFromFlags(ctx context.Context, dir string, f diffFlags) (*upgrade.Plan, error) {
	src, err := stacks.OpenSource(ctx, dir)
	if err != nil {
		return nil, err
	}
	base, err := src.Load(ctx, f.from, stacks.Options{})
	if err != nil {
		return nil, err
	}
	target, err := src.Load(ctx, f.to, stacks.Options{})
	if err != nil {
		return nil, err
	}
	values, err := readValues(f.values)
	if err != nil {
		return nil, err
	}
	in := upgrade.Input{Stack: upgrade.Stack{Namespace: f.namespace, Owner: f.owner, Values: values}, Base: base, Target: target}
	if f.repo != "" {
		in.Ours, err = readTree(f.repo)
	} else {
		in.Ours, err = launched(ctx, base, f.namespace, values)
	}
	if err != nil {
		return nil, err
	}
	return upgrade.NewPlan(ctx, in)
}

// readValues reads a YAML or JSON object of values.
func readValues(name string) (map[string]any, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read values: %w", err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("read values %s: %w", name, err)
	}
	return values, nil
}

// launched renders the base version: the repository as launch wrote it.
func launched(ctx context.Context, base *stacks.Template, ns string, values map[string]any) (map[string][]byte, error) {
	r, err := base.Render(ctx, stacks.Input{Namespace: ns, Values: values})
	if err != nil && r == nil {
		return nil, err
	}
	return r.FileMap(), nil
}

// readTree reads the regular files of a working tree, without .git, within
// the bounds of a template source.
func readTree(dir string) (map[string][]byte, error) {
	snap, err := stacks.DirSnapshot(context.Background(), dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	err = fs.WalkDir(snap, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(snap, p)
		files[filepath.ToSlash(p)] = data
		return err
	})
	return files, err
}

// catalogValidator compiles the catalog schemas with the policy of cfgPath,
// or of ./config.yaml when there is one.
func catalogValidator(cfgPath string) (*schemas.Validator, error) {
	if cfgPath == "" {
		if _, err := os.Stat("config.yaml"); err == nil {
			cfgPath = "config.yaml"
		}
	}
	opts := schemas.Options{}
	if cfgPath != "" {
		cfg, err := config.Load(cfgPath)
		if err != nil {
			return nil, err
		}
		opts = schemas.Options{Lifecycles: cfg.Catalog.Policy.Lifecycles, Policy: cfg.Catalog.Policy.CUE}
	}
	return schemas.Compile(opts)
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, and returns those.
func parseInterspersed(flags *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		if flags.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, flags.Arg(0))
		args = flags.Args()[1:]
	}
}
