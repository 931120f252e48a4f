package stacks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// Vet checks a stack template offline: dir is either one version (a folder
// of .cue files) or a template source (version sub-folders, or a git
// repository with semver tags). For every version it compiles the template,
// renders every example, checks each example's guardrails against its
// fails list, validates the emitted entities with opts.Validator, and
// renders the examples of every older version through this version's
// migrations. Problems are written to w as "file:line:col: path: message",
// then one summary line per version. It returns the number of problems;
// err is for what stops the check itself.
func Vet(ctx context.Context, dir string, opts Options, w io.Writer) (int, error) {
	v := &vetter{ctx: ctx, opts: opts, w: w}
	if single, err := hasCUEFiles(dir); err != nil {
		return 0, fmt.Errorf("vet %s: %w", dir, err)
	} else if single {
		fsys, err := DirSnapshot(ctx, dir)
		if err != nil {
			return 0, err
		}
		opts.Name = filepath.ToSlash(dir)
		t, err := Compile(ctx, fsys, opts)
		v.check(t, err, opts.Name, nil)
		return v.problems, v.err
	}
	src, err := OpenSource(ctx, dir)
	if err != nil {
		return 0, err
	}
	older := map[string][]Example{}
	var versions []string
	for _, version := range src.Versions() {
		t, err := src.Load(ctx, version, opts)
		older[version] = v.check(t, err, filepath.ToSlash(filepath.Join(dir, version)), func() {
			for _, from := range versions {
				v.migrations(t, from, older[from])
			}
		})
		versions = append(versions, version)
	}
	return v.problems, v.err
}

// vetter accumulates the problems of one Vet.
type vetter struct {
	ctx      context.Context
	opts     Options
	w        io.Writer
	problems int
	err      error
}

// check vets one compiled version, runs more, prints the version's
// summary and returns its examples.
func (v *vetter) check(t *Template, err error, name string, more func()) []Example {
	if err != nil {
		v.reportErr(name, "", err, nil)
		v.summary("FAIL %s: does not compile", name)
		return nil
	}
	before := v.problems
	examples, err := t.Examples(v.ctx)
	if err != nil {
		v.reportErr(name, "", err, nil)
	}
	for i, ex := range examples {
		v.example(t, i, ex)
	}
	if more != nil {
		more()
	}
	status := "ok"
	if v.problems > before {
		status = "FAIL"
	}
	v.summary("%s %s %s: %d parameters, %d examples", status, t.Name, t.Version, len(t.params), len(examples))
	return examples
}

// example renders one example and compares its guardrails with its fails.
func (v *vetter) example(t *Template, i int, ex Example) {
	at := fmt.Sprintf("examples[%d]", i)
	r, err := t.Render(v.ctx, Input{Values: ex.Values})
	if err != nil {
		v.reportErr(ex.Pos, at, err, valuesPath(t, at))
	}
	if r == nil {
		return
	}
	expected := map[string]bool{}
	for _, id := range ex.Fails {
		expected[id] = true
	}
	known := map[string]bool{}
	for _, g := range r.Guardrails {
		known[g.ID] = true
		switch {
		case !g.OK && !expected[g.ID]:
			v.report(fieldAt(g.Pos, at, fmt.Sprintf("guardrail %s fails: %s", g.ID, g.Message)))
		case g.OK && expected[g.ID]:
			v.report(fieldAt(ex.Pos, at+".fails", fmt.Sprintf("guardrail %s holds, but the example expects it to fail", g.ID)))
		}
	}
	for _, id := range ex.Fails {
		if !known[id] {
			v.report(fieldAt(ex.Pos, at+".fails", fmt.Sprintf("there is no guardrail %s", id)))
		}
	}
}

// migrations renders the examples of an older version through t's
// migrations: a value the new version no longer takes, or one that breaks
// a constraint, is a problem (a missing migration, most likely). Failing
// guardrails are left to the planner, and entities to t's own examples.
func (v *vetter) migrations(t *Template, from string, examples []Example) {
	for i, ex := range examples {
		at := fmt.Sprintf("examples[%d]", i)
		vals, _, err := t.Migrate(v.ctx, from, ex.Values)
		if err == nil {
			_, err = t.Guardrails(v.ctx, vals)
		}
		if err != nil {
			v.reportErr(ex.Pos, at, err, func(p string) string {
				return at + ".values." + p
			}, " (migrated from "+from+" to "+t.Version+")")
		}
	}
}

// valuesPath places a parameter's error under the example's values.
func valuesPath(t *Template, at string) func(string) string {
	return func(p string) string {
		root, _, _ := strings.Cut(p, ".")
		if _, ok := t.Param(root); ok {
			return at + ".values." + p
		}
		return joinPath(at, p)
	}
}

// reportErr writes the field errors of err, placed at pos when CUE gave
// none; place maps their paths (nil prefixes them with path) and suffix
// ends their messages. A cancelled ctx stops Vet.
func (v *vetter) reportErr(pos, path string, err error, place func(string) string, suffix ...string) {
	var ve *errs.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			if f.File == "" {
				at := fieldAt(pos, "", "")
				f.File, f.Line, f.Column = at.File, at.Line, at.Column
			}
			if place != nil {
				f.Path = place(f.Path)
			} else {
				f.Path = joinPath(path, f.Path)
			}
			f.Message += strings.Join(suffix, "")
			v.report(f)
		}
		return
	}
	if v.err == nil && v.ctx.Err() != nil {
		v.err = v.ctx.Err()
	}
	v.report(fieldAt(pos, path, err.Error()))
}

func (v *vetter) report(f errs.FieldError) {
	v.problems++
	if _, err := fmt.Fprintln(v.w, f.String()); err != nil && v.err == nil {
		v.err = fmt.Errorf("write vet report: %w", err)
	}
}

func (v *vetter) summary(format string, args ...any) {
	if _, err := fmt.Fprintf(v.w, format+"\n", args...); err != nil && v.err == nil {
		v.err = fmt.Errorf("write vet report: %w", err)
	}
}

// fieldAt parses "file:line:col" into a field error; anything else is
// taken as a file name.
func fieldAt(pos, path, msg string) errs.FieldError {
	f := errs.FieldError{Path: path, Message: msg}
	parts := strings.Split(pos, ":")
	if len(parts) >= 3 {
		line, err1 := strconv.Atoi(parts[len(parts)-2])
		col, err2 := strconv.Atoi(parts[len(parts)-1])
		if err1 == nil && err2 == nil {
			f.File, f.Line, f.Column = strings.Join(parts[:len(parts)-2], ":"), line, col
			return f
		}
	}
	f.File = pos
	return f
}

func joinPath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "":
		return prefix
	}
	return prefix + "." + p
}

// hasCUEFiles reports whether dir holds .cue files itself.
func hasCUEFiles(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".cue") {
			return true, nil
		}
	}
	return false, nil
}
