package stacks

import (
	"fmt"
	"sort"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"

	"github.com/stackyard/stackyard/internal/errs"
)

// CUE's message formats that fieldErrors rewrites.
const (
	fmtDisjunction = "%d errors in empty disjunction:"
	fmtConflict    = "conflicting values %s and %s"
)

// cueError wraps CUE's errors as an *errs.ValidationError, which matches
// errs.ErrInput and keeps each error's file:line:col.
func cueError(what string, err error) error {
	return fmt.Errorf("%s: %w", what, &errs.ValidationError{Fields: fieldErrors(err)})
}

// fieldErrors turns CUE's errors into field errors, one per path, sorted
// by position. A failed disjunction of concrete values becomes "must be
// one of a, b (got c)".
func fieldErrors(err error) []errs.FieldError {
	type group struct {
		first       errs.FieldError
		msgs        []string
		disjunction bool
		conflicts   [][2]string
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range cueerrors.Errors(err) {
		path := dottedPath(e.Path())
		g, ok := groups[path]
		if !ok {
			g = &group{first: located(e, path)}
			groups[path] = g
			order = append(order, path)
		}
		format, args := e.Msg()
		switch {
		case format == fmtDisjunction:
			g.disjunction = true
		case format == fmtConflict && len(args) == 2:
			g.conflicts = append(g.conflicts, [2]string{fmt.Sprint(args[0]), fmt.Sprint(args[1])})
			g.msgs = appendUnique(g.msgs, fmt.Sprintf(format, args...))
		default:
			g.msgs = appendUnique(g.msgs, fmt.Sprintf(format, args...))
		}
	}
	out := make([]errs.FieldError, 0, len(order))
	for _, p := range order {
		g := groups[p]
		f := g.first
		f.Message = strings.Join(g.msgs, "; ")
		if g.disjunction {
			f.Message = disjunctionMessage(g.msgs, g.conflicts)
		}
		if f.Message == "" {
			f.Message = "invalid value"
		}
		out = append(out, f)
	}
	sortFieldErrors(out)
	return out
}

// located places a CUE error at its first position in a template file.
// Positions in the compiled values (valuesFile) are skipped: they point
// into generated JSON, and the template line that constrains the value
// says more.
func located(e cueerrors.Error, path string) errs.FieldError {
	f := errs.FieldError{Path: path}
	for _, p := range cueerrors.Positions(e) {
		if p.Filename() != "" && p.Filename() != valuesFile {
			f.File, f.Line, f.Column = p.Filename(), p.Line(), p.Column()
			break
		}
	}
	return f
}

// disjunctionMessage words a failed disjunction such as int & <=20 | *1:
// a bound that failed says more than the conflict with the default, and
// conflicts alone list the alternatives.
func disjunctionMessage(msgs []string, conflicts [][2]string) string {
	var other []string
	for _, m := range msgs {
		if !strings.HasPrefix(m, "conflicting values ") {
			other = append(other, m)
		}
	}
	if len(other) > 0 {
		return strings.Join(other, "; ")
	}
	if msg, ok := oneOf(conflicts); ok {
		return msg
	}
	return strings.Join(msgs, "; ")
}

// oneOf words the conflicts of a failed disjunction: the value common to
// all of them is what was given, the others are the alternatives.
func oneOf(conflicts [][2]string) (string, bool) {
	if len(conflicts) < 2 {
		return "", false
	}
	for _, given := range conflicts[0] {
		var alts []string
		for _, c := range conflicts {
			switch given {
			case c[0]:
				alts = appendUnique(alts, c[1])
			case c[1]:
				alts = appendUnique(alts, c[0])
			default:
				alts = nil
			}
			if alts == nil {
				break
			}
		}
		if len(alts) == len(conflicts) {
			return fmt.Sprintf("must be one of %s (got %s)", strings.Join(alts, ", "), given), true
		}
	}
	return "", false
}

// dottedPath joins CUE path selectors, unquoting labels: files."a.yaml"
// stays quoted only where it is not an identifier.
func dottedPath(sels []string) string {
	if len(sels) > 0 && sels[0] == "#Stack" {
		sels = sels[1:]
	}
	parts := make([]string, 0, len(sels))
	for _, s := range sels {
		if strings.HasPrefix(s, `"`) {
			if u, err := literal.Unquote(s); err == nil && isIdentifier(u) {
				s = u
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ".")
}

func isIdentifier(s string) bool {
	for i, r := range s {
		ok := r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return s != ""
}

// sortFieldErrors orders errors by file, line and column, then path.
func sortFieldErrors(fe []errs.FieldError) {
	sort.SliceStable(fe, func(i, j int) bool {
		a, b := fe[i], fe[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Path < b.Path
	})
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// validationError builds an *errs.ValidationError wrapped with context.
func validationError(what string, fe []errs.FieldError) error {
	return fmt.Errorf("%s: %w", what, &errs.ValidationError{Fields: fe})
}
