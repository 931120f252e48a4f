// Package templating renders Backstage template expressions, ${{ … }} with
// Nunjucks semantics, on the gonja v2 Jinja engine.
//
// # Semantics
//
// A string that is one whole expression ("${{ parameters.count }}") keeps
// the type of its value; any other string renders to a string, and an
// empty result means undefined, so the key is dropped. Values print the
// way JavaScript prints them (true, not True). Nunjucks spellings that
// Jinja lacks (=== and !==, unquoted object keys, dump) are accepted.
//
// # Limits
//
// Every render runs under a deadline, an output cap, a cap on the number
// of loop items produced by range, and a cap on the size of any string or
// list built with +, ~ or *. The loader serves only the template itself, so
// include, import and extends cannot read files, and nothing in the
// environment reaches the network.
package templating

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nikolalohinski/gonja/v2"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
)

// ErrLimit is returned when a template exceeds a resource limit.
var ErrLimit = errors.New("template exceeded its limits")

// Options bounds rendering. Zero values get defaults.
type Options struct {
	// Timeout bounds one render (default 5 s).
	Timeout time.Duration
	// MaxOutput bounds the rendered text and any built string, in bytes
	// (default 8 MiB).
	MaxOutput int
	// MaxIterations bounds the items all range calls of one render yield
	// (default 100,000).
	MaxIterations int
	// Globals are extra values every render sees.
	Globals map[string]any
}

// Engine renders templates. It is safe for concurrent use.
type Engine struct {
	cfg   *config.Config
	env   *exec.Environment
	opts  Options
	cache parseCache

	mu       sync.Mutex
	variants map[[2]bool]*Engine
}

// WithBlocks returns an engine that renders with Jinja's trimBlocks (drop
// the first newline after a block tag) and lstripBlocks (strip the
// whitespace before a block tag), as fetch:template's options ask.
func (e *Engine) WithBlocks(trimBlocks, lstripBlocks bool) *Engine {
	if !trimBlocks && !lstripBlocks {
		return e
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	key := [2]bool{trimBlocks, lstripBlocks}
	if v, ok := e.variants[key]; ok {
		return v
	}
	cfg := e.cfg.Inherit()
	cfg.TrimBlocks, cfg.LeftStripBlocks = trimBlocks, lstripBlocks
	v := &Engine{cfg: cfg, env: e.env, opts: e.opts}
	if e.variants == nil {
		e.variants = map[[2]bool]*Engine{}
	}
	e.variants[key] = v
	return v
}

// New returns an Engine with Backstage's filters registered.
func New(opts Options) *Engine {
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxOutput == 0 {
		opts.MaxOutput = 8 << 20
	}
	if opts.MaxIterations == 0 {
		opts.MaxIterations = 100_000
	}
	cfg := config.New()
	cfg.VariableStartString = "${{"
	cfg.VariableEndString = "}}"
	cfg.KeepTrailingNewline = true
	filters := exec.NewFilterSet(map[string]exec.FilterFunction{}).Update(gonja.DefaultEnvironment.Filters)
	for name, fn := range builtinFilters() {
		if filters.Exists(name) {
			_ = filters.Replace(name, fn)
		} else {
			_ = filters.Register(name, fn)
		}
	}
	for _, name := range sizeArgFilters {
		if fn, ok := filters.Get(name); ok {
			_ = filters.Replace(name, guardSizeArgs(name, fn))
		}
	}
	base := gonja.DefaultContext.Inherit()
	base.Set("range", rangeFunc)
	base.Set("lipsum", nil)
	for k, v := range opts.Globals {
		base.Set(k, v)
	}
	env := &exec.Environment{
		Context:           base,
		Filters:           filters,
		Tests:             gonja.DefaultEnvironment.Tests,
		ControlStructures: gonja.DefaultEnvironment.ControlStructures,
		Methods:           methods(),
	}
	return &Engine{cfg: cfg, env: env, opts: opts}
}

// Render renders src to a string.
func (e *Engine) Render(ctx context.Context, src string, data map[string]any) (string, error) {
	out, _, err := e.render(ctx, src, data, false)
	return out, err
}

// IsSingleExpression reports whether s is one whole ${{ … }} expression,
// Backstage's test for keeping a value's type.
func IsSingleExpression(s string) bool {
	return strings.HasPrefix(s, "${{") && strings.HasSuffix(s, "}}") && !strings.Contains(s[3:], "${{")
}

// Undefined marks a value that rendered to nothing; containers drop it.
type undefined struct{}

// Undefined is what RenderValue returns for a value that rendered to
// nothing.
var Undefined any = undefined{}

// RenderValue renders every string leaf of v (a JSON value). A leaf that is
// one whole expression keeps its type; a leaf that renders empty becomes
// Undefined and is dropped from its map or list. A leaf that fails to
// render stays as written, as in Backstage.
func (e *Engine) RenderValue(ctx context.Context, v any, data map[string]any) (any, error) {
	switch t := v.(type) {
	case string:
		return e.renderLeaf(ctx, t, data)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			r, err := e.RenderValue(ctx, item, data)
			if err != nil {
				return nil, err
			}
			if r != Undefined {
				out[k] = r
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(t))
		for _, item := range t {
			r, err := e.RenderValue(ctx, item, data)
			if err != nil {
				return nil, err
			}
			if r != Undefined {
				out = append(out, r)
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *Engine) renderLeaf(ctx context.Context, s string, data map[string]any) (any, error) {
	if !strings.Contains(s, "${{") && !strings.Contains(s, "{%") {
		return s, nil
	}
	if IsSingleExpression(s) {
		_, val, err := e.render(ctx, s, data, true)
		if err == nil {
			if val == nil {
				return Undefined, nil
			}
			return val, nil
		}
		if errors.Is(err, ErrLimit) || ctx.Err() != nil {
			return nil, err
		}
	}
	out, _, err := e.render(ctx, s, data, false)
	if err != nil {
		if errors.Is(err, ErrLimit) || ctx.Err() != nil {
			return nil, err
		}
		return s, nil
	}
	if out == "" {
		return Undefined, nil
	}
	return out, nil
}

// Evaluate renders one expression and returns its typed value, nil when
// it is undefined.
func (e *Engine) Evaluate(ctx context.Context, expr string, data map[string]any) (any, error) {
	_, val, err := e.render(ctx, "${{ "+expr+" }}", data, true)
	return val, err
}

// render parses src, rewrites it for Nunjucks semantics and limits, and
// runs it on its own goroutine under the deadline. In capture mode the
// template must be one expression; its typed value is returned.
func (e *Engine) render(ctx context.Context, src string, data map[string]any, capture bool) (string, any, error) {
	rt := newRuntime(e.opts)
	tpl := e.cache.get(src, capture)
	if tpl == nil {
		var err error
		if tpl, err = e.parse(nunjucksCompat(src), capture); err != nil {
			return "", nil, err
		}
		e.cache.put(src, capture, tpl)
	}
	vars := exec.NewContext(normalize(data).(map[string]any))
	vars.Set(runtimeKey, rt)
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		w := &cappedWriter{max: e.opts.MaxOutput}
		err := tpl.Execute(w, vars)
		done <- result{w.b.String(), err}
	}()
	timer := time.NewTimer(e.opts.Timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			if rt.limitErr() != nil {
				return "", nil, rt.limitErr()
			}
			if strings.Contains(r.err.Error(), ErrLimit.Error()) {
				// gonja flattens the errors of methods and filters to text.
				return "", nil, fmt.Errorf("render template: %s: %w", r.err, ErrLimit)
			}
			return "", nil, fmt.Errorf("render template: %w", r.err)
		}
		return r.out, rt.captured, nil
	case <-timer.C:
		rt.stop(fmt.Errorf("render took longer than %s: %w", e.opts.Timeout, ErrLimit))
		return "", nil, rt.limitErr()
	case <-ctx.Done():
		rt.stop(ctx.Err())
		return "", nil, ctx.Err()
	}
}

// Truthy is JavaScript truthiness over template values: nil, false, "", 0,
// an empty list and Undefined are false; everything else is true.
func Truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case int:
		return t != 0
	case int64:
		return t != 0
	case float64:
		return t != 0
	case []any:
		return len(t) > 0
	}
	return v != Undefined
}
