package stacks

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/schemas"
)

//go:embed contract.cue
var contractSource string

// Default bounds; Options fields left zero take these.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultMaxFiles       = 500
	DefaultMaxOutputBytes = 16 << 20
)

// Paths of the contract's top-level fields.
var (
	pathTemplate   = cue.ParsePath("template")
	pathParameters = cue.ParsePath("parameters")
	pathFiles      = cue.ParsePath("files")
	pathEntities   = cue.ParsePath("entities")
	pathGuardrails = cue.ParsePath("guardrails")
	pathMigrations = cue.ParsePath("migrations")
	pathExamples   = cue.ParsePath("examples")
)

// Options bound and configure a compiled template.
type Options struct {
	// Name prefixes file names in positions and errors, such as
	// "schemas/stacks/web-service/2.0.0". Empty means "template".
	Name string
	// Timeout bounds each CUE evaluation (see evaluator). Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxFiles bounds how many files one render may produce.
	MaxFiles int
	// MaxOutputBytes bounds the bytes of one render, files and entities.
	MaxOutputBytes int
	// Validator, when set, validates rendered entities with the catalog
	// schemas; nil leaves them unchecked.
	Validator *schemas.Validator
	// Logger receives debug logs of evaluations; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = "template"
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Meta is the template field of a template version.
type Meta struct {
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Owner       string   `json:"owner"`
	Type        string   `json:"type,omitempty"`
	Changelog   string   `json:"changelog,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Launchers, when set, are the groups (or users) one of which a
	// launcher must hold; published as the Template's stackyard.io/launchers.
	Launchers []string `json:"launchers,omitempty"`
}

// Template is one compiled version of a stack template. It is safe for
// concurrent use; evaluations run one at a time (see evaluator).
type Template struct {
	Meta
	// Digest is "sha256:" and the hash of the version's files.
	Digest string

	opts      Options
	eval      *evaluator
	fsys      fs.FS
	uses      int // evaluations since ctx was built; guarded by eval
	ctx       *cue.Context
	value     cue.Value // the template unified with the contract
	raw       cue.Value // the template alone, for positions
	params    []Param
	rules     []formRule // guardrails exported into the form (formrules.go)
	rulesOnce sync.Once
}

// Compile loads the CUE package at the root of fsys and checks it against
// the template contract. Errors name file:line:col where CUE gives them and
// match errs.ErrInput.
func Compile(ctx context.Context, fsys fs.FS, opts Options) (*Template, error) {
	opts = opts.withDefaults()
	digest, err := digestFS(fsys)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", opts.Name, err)
	}
	t := &Template{Digest: digest, opts: opts, eval: newEvaluator(opts.Timeout), fsys: fsys}
	_, err = evaluate(ctx, t.eval, "compile "+opts.Name, func() (struct{}, error) {
		return struct{}{}, t.build()
	})
	if err != nil {
		return nil, err
	}
	opts.Logger.Debug("compiled stack template", "template", t.Name, "version", t.Version, "digest", t.Digest)
	return t, nil
}

// recycleAfter is how many evaluations a cue.Context serves before the
// template is rebuilt in a fresh one. A context keeps what every evaluation
// added to it, so without this each render gets slower and the heap grows.
const recycleAfter = 200

// run evaluates fn in the evaluator, in a fresh context every recycleAfter
// calls.
func run[T any](ctx context.Context, t *Template, what string, fn func() (T, error)) (T, error) {
	return evaluate(ctx, t.eval, what+" "+t.opts.Name, func() (T, error) {
		if t.uses++; t.uses > recycleAfter {
			if err := t.load(); err != nil {
				var zero T
				return zero, err
			}
			t.uses = 1
		}
		return fn()
	})
}

// build loads, evaluates and checks the template; it runs in the evaluator.
func (t *Template) build() error {
	if err := t.load(); err != nil {
		return err
	}
	if err := t.decodeMeta(); err != nil {
		return err
	}
	if err := t.checkGuardrails(); err != nil {
		return err
	}
	params, err := readParams(t.raw.LookupPath(pathParameters))
	if err != nil {
		return fmt.Errorf("read the parameters of %s: %w", t.opts.Name, err)
	}
	t.params = params
	return t.checkRequired()
}

// load builds the CUE package in a fresh context and unifies it with the
// contract.
func (t *Template) load() error {
	name := t.opts.Name
	cfg := &load.Config{FS: t.fsys, Dir: "/", Env: []string{"CUE_REGISTRY=none"},
		FromFSPath: func(p string) string { return path.Join(name, strings.TrimPrefix(p, "/")) }}
	insts := load.Instances([]string{"."}, cfg)
	if len(insts) != 1 {
		return errs.Input("%s: expected one CUE package, found %d", name, len(insts))
	}
	if err := insts[0].Err; err != nil {
		return cueError("load "+name, err)
	}
	t.ctx = cuecontext.New()
	v := t.ctx.BuildInstance(insts[0])
	if err := v.Err(); err != nil {
		return cueError("build "+name, err)
	}
	contract := t.ctx.CompileString(contractSource, cue.Filename("contract.cue")).LookupPath(cue.ParsePath("#Stack"))
	if err := contract.Err(); err != nil {
		return fmt.Errorf("compile the stack contract: %w", err)
	}
	t.raw = v
	t.value = v.Unify(contract)
	if err := t.value.Validate(); err != nil {
		return cueError("check "+name+" against the stack contract", err)
	}
	return nil
}

// decodeMeta reads the template field, which must be concrete.
func (t *Template) decodeMeta() error {
	m := t.value.LookupPath(pathTemplate)
	if err := m.Validate(cue.Concrete(true)); err != nil {
		return cueError("read the template field of "+t.opts.Name, err)
	}
	if err := m.Decode(&t.Meta); err != nil {
		return cueError("read the template field of "+t.opts.Name, err)
	}
	if _, err := ParseVersion(t.Version); err != nil {
		return fmt.Errorf("%s: template.version: %w", t.opts.Name, err)
	}
	if t.Type == "" {
		t.Type = "service"
	}
	return nil
}

// checkGuardrails makes sure every guardrail declares ok, message and
// fields: CUE reports a missing required field only once values are
// concrete, which would be too late.
func (t *Template) checkGuardrails() error {
	it, err := t.raw.LookupPath(pathGuardrails).Fields()
	if err != nil {
		return cueError("read the guardrails of "+t.opts.Name, err)
	}
	var problems []errs.FieldError
	for it.Next() {
		id := it.Selector().Unquoted()
		for _, field := range []string{"ok", "message", "fields"} {
			if !it.Value().LookupPath(cue.MakePath(cue.Str(field))).Exists() {
				problems = append(problems, t.atPos("field is required", "guardrails."+quoteLabel(id)+"."+field, cue.Str("guardrails"), cue.Str(id)))
			}
		}
	}
	if len(problems) > 0 {
		return validationError("check "+t.opts.Name+" against the stack contract", problems)
	}
	return nil
}

// checkRequired makes sure the template itself marks name and owner
// required, as the contract asks.
func (t *Template) checkRequired() error {
	for _, want := range []string{"name", "owner"} {
		p, ok := t.Param(want)
		if !ok || !p.Required {
			return errs.Input("%s: parameters.%s must be a required field (%s!: string)", t.opts.Name, want, want)
		}
	}
	return nil
}

// pos is where the template declares the value at path, file:line:col.
func (t *Template) pos(sels ...cue.Selector) string {
	return posString(t.raw.LookupPath(cue.MakePath(sels...)))
}

// Ref is the entity ref of the template, as in backstage.io/source-template.
func (t *Template) Ref() string { return "template:default/" + t.Name }

// Params returns the parameters in the order the template declares them.
func (t *Template) Params() []Param { return append([]Param(nil), t.params...) }

// Param returns one parameter by name.
func (t *Template) Param(name string) (Param, bool) {
	for _, p := range t.params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Defaults returns the default of every parameter that has one.
func (t *Template) Defaults() map[string]any {
	out := map[string]any{}
	for _, p := range t.params {
		if p.HasDefault {
			out[p.Name] = p.Default
		}
	}
	return out
}

// digestFS hashes the files of fsys, names and contents, in lexical order.
func digestFS(fsys fs.FS) (string, error) {
	names, err := sortedFiles(fsys)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data))
		h.Write(data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
