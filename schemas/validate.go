package schemas

import (
	"encoding/json"
	"math"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/stackyard/stackyard/catalog/model"
)

// maxPasses bounds how often Validate re-runs a schema to find errors that
// CUE held back (see the package doc).
const maxPasses = 4

// class sorts problems by what a later pass does with their field.
type class int

const (
	classValue      class = iota // the value is wrong: a later pass sets it aside
	classNotAllowed              // the field is not allowed: a later pass drops it
	classRequired                // the field is missing: nothing to set aside
)

// problem is one error at one path of the entity.
type problem struct {
	path  []string // keys and list indices, as in parse.Document.Position
	msg   string
	class class
}

// check validates data against s and returns every problem found.
func (in *instance) check(s schema, data map[string]any) []problem {
	err := in.unify(s, data)
	if err == nil {
		return nil
	}
	var found []problem
	seen := map[string]bool{}
	for pass := 0; pass < maxPasses && err != nil; pass++ {
		added := false
		for _, p := range in.problems(s, data, err) {
			key := strings.Join(p.path, "\x00")
			if seen[key] || coveredBy(p.path, found) {
				continue
			}
			// Later passes run on altered data; only what CUE held back
			// in earlier ones is news there.
			if pass > 0 && p.class == classValue {
				continue
			}
			seen[key] = true
			found = append(found, p)
			added = true
		}
		if !added {
			break
		}
		data = setAside(data, found)
		err = in.unify(s, data)
	}
	return found
}

// unify checks data against the schema; nil means valid.
func (in *instance) unify(s schema, data map[string]any) error {
	v := in.ctx.Encode(data, cue.NilIsAny(false))
	return s.value.Unify(v).Validate(cue.Concrete(true))
}

// problems groups CUE's errors by path and turns each group into one
// problem with a message for people.
func (in *instance) problems(s schema, data map[string]any, err error) []problem {
	var (
		order  []string
		groups = map[string][]cueerrors.Error{}
		paths  = map[string][]string{}
	)
	for _, e := range cueerrors.Errors(err) {
		p, ok := entityPath(e.Path(), s.depth)
		if !ok {
			continue
		}
		key := strings.Join(p, "\x00")
		if _, ok := groups[key]; !ok {
			order = append(order, key)
			paths[key] = p
		}
		groups[key] = append(groups[key], e)
	}
	out := make([]problem, 0, len(order))
	for _, key := range order {
		p := paths[key]
		v, present := lookup(data, p)
		msg, cls := in.message(s, p, v, present, groups[key])
		out = append(out, problem{path: p, msg: msg, class: cls})
	}
	return out
}

// entityPath strips the schema's own path from an error path and unquotes
// the labels. Errors inside hidden fields or definitions are not the
// entity's and are dropped.
func entityPath(sels []string, depth int) ([]string, bool) {
	if len(sels) < depth {
		return nil, false
	}
	out := make([]string, 0, len(sels)-depth)
	for _, s := range sels[depth:] {
		if strings.HasPrefix(s, "_") || strings.HasPrefix(s, "#") {
			return nil, false
		}
		if strings.HasPrefix(s, `"`) {
			u, err := unquote(s)
			if err != nil {
				return nil, false
			}
			s = u
		}
		out = append(out, s)
	}
	return out, true
}

// coveredBy reports whether p lies at or under a path already reported.
func coveredBy(p []string, found []problem) bool {
	for _, f := range found {
		if len(f.path) <= len(p) && equalPrefix(f.path, p) {
			return true
		}
	}
	return false
}

func equalPrefix(prefix, p []string) bool {
	for i := range prefix {
		if prefix[i] != p[i] {
			return false
		}
	}
	return true
}

// lookup returns the data value at path.
func lookup(data any, path []string) (any, bool) {
	cur := data
	for _, elem := range path {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[elem]
			if !ok {
				return nil, false
			}
			cur = v
		case model.Entity:
			v, ok := x[elem]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, ok := index(elem, len(x))
			if !ok {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// setAside returns a copy of data without the fields already reported
// (a reported list element becomes _, any value, to keep the indices), so
// that the next pass sees what those errors hid. A missing field that the
// schema requires is then reported as such, and skipped as already seen.
func setAside(data map[string]any, found []problem) map[string]any {
	out := deepCopy(data).(map[string]any)
	for _, f := range found {
		if f.class == classRequired || len(f.path) == 0 {
			continue
		}
		parent, ok := lookup(out, f.path[:len(f.path)-1])
		if !ok {
			continue
		}
		last := f.path[len(f.path)-1]
		switch x := parent.(type) {
		case map[string]any:
			delete(x, last)
		case []any:
			if i, ok := index(last, len(x)); ok {
				x[i] = ast.NewIdent("_")
			}
		}
	}
	return out
}

// deepCopy copies the maps and lists of a JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case model.Entity:
		return deepCopy(map[string]any(x))
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// normalize prepares an entity for CUE: JSON has one number type, so an
// integral float64 or json.Number becomes an int64, which CUE's int accepts.
// Maps and lists are copied only when a number inside them changes.
func normalize(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		if f, err := x.Float64(); err == nil {
			return f, true
		}
	case model.Entity:
		return normalize(map[string]any(x))
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if n, changed := normalize(e); changed {
				if out == nil {
					out = make(map[string]any, len(x))
					for k2, e2 := range x {
						out[k2] = e2
					}
				}
				out[k] = n
			}
		}
		if out != nil {
			return out, true
		}
	case []any:
		var out []any
		for i, e := range x {
			if n, changed := normalize(e); changed {
				if out == nil {
					out = append([]any(nil), x...)
				}
				out[i] = n
			}
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}
