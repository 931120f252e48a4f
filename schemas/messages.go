package schemas

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"
)

// CUE's own message formats that the validator rewrites; any other format
// is a message from error(...) in the schema and is shown as it is.
const (
	fmtNotAllowed  = "field not allowed"
	fmtRequired    = "field is required but not present"
	fmtDisjunction = "%d errors in empty disjunction:"
	fmtConflict    = "conflicting values %s and %s"
	fmtMismatch    = "conflicting values %s and %s (mismatched types %s and %s)"
	fmtIncomplete  = "incomplete value %v"
	fmtOutOfBound  = "invalid value %v (out of bound %s)"
	fmtNotSatisfy  = "invalid value %s (does not satisfy %s)"
)

// message turns the CUE errors at one path into one message. v is the data
// at the path, if present.
func (in *instance) message(s schema, path []string, v any, present bool, group []cueerrors.Error) (string, class) {
	var user []string
	for _, e := range group {
		format, args := e.Msg()
		switch format {
		case fmtNotAllowed:
			return notAllowed(s, path), classNotAllowed
		case fmtRequired:
			return "field is required", classRequired
		case fmtIncomplete:
			if !present {
				return "field is required", classRequired
			}
		case fmtDisjunction, fmtConflict, fmtMismatch, fmtOutOfBound, fmtNotSatisfy:
		default:
			user = appendUnique(user, fmt.Sprintf(format, args...))
		}
	}
	for _, e := range group {
		if msg, ok := in.explainAt(cueerrors.Positions(e)); ok {
			return found(msg, v, present), classValue
		}
	}
	if len(user) > 0 {
		return found(strings.Join(user, "; "), v, present), classValue
	}
	return generic(group, v, present), classValue
}

// generic words CUE's own errors for a person.
func generic(group []cueerrors.Error, v any, present bool) string {
	if alts, ok := alternatives(group, v); ok {
		return fmt.Sprintf("must be one of %s (got %s)", strings.Join(alts, ", "), render(v, present))
	}
	var msgs []string
	for _, e := range group {
		format, args := e.Msg()
		switch {
		case format == fmtDisjunction:
			continue
		case format == fmtMismatch && len(args) == 4:
			want := fmt.Sprint(args[2])
			if want == cueKind(v) {
				want = fmt.Sprint(args[3])
			}
			msgs = appendUnique(msgs, fmt.Sprintf("expected %s but found %s", article(want), render(v, present)))
		case format == fmtConflict && len(args) == 2:
			msgs = appendUnique(msgs, fmt.Sprintf("must be %s (got %s)", other(args, v), render(v, present)))
		default:
			msgs = appendUnique(msgs, fmt.Sprintf(format, args...))
		}
	}
	return strings.Join(msgs, "; or ")
}

// alternatives returns the values of a failed disjunction of concrete
// values, such as a lifecycle list.
func alternatives(group []cueerrors.Error, v any) ([]string, bool) {
	var alts []string
	disjunction := false
	for _, e := range group {
		format, args := e.Msg()
		switch {
		case format == fmtDisjunction:
			disjunction = true
		case format == fmtConflict && len(args) == 2:
			alts = appendUnique(alts, other(args, v))
		default:
			return nil, false
		}
	}
	return alts, disjunction && len(alts) > 1
}

// other returns whichever of two conflicting values is not the data.
func other(args []any, v any) string {
	a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
	if a == render(v, true) || a == cueLiteral(v) {
		return b
	}
	return a
}

// found adds the value that was found to a message saying what was expected.
func found(msg string, v any, present bool) string {
	if !present || !strings.HasPrefix(msg, "expected ") {
		return msg
	}
	return msg + " but found " + render(v, present)
}

// notAllowed words a closedness error; at the root it lists the fields the
// schema allows.
func notAllowed(s schema, path []string) string {
	if len(path) != 1 {
		return "field not allowed"
	}
	it, err := s.value.Fields(cue.Optional(true))
	if err != nil {
		return "field not allowed"
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	return "field not allowed; the allowed fields are " + strings.Join(names, ", ")
}

// render shows a data value in a message: scalars as JSON, collections by kind.
func render(v any, present bool) string {
	switch x := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		if len(x) > 80 {
			x = x[:77] + "..."
		}
		return strconv.Quote(x)
	}
	if !present {
		return "nothing"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// cueLiteral shows a scalar the way CUE prints it in messages.
func cueLiteral(v any) string {
	if s, ok := v.(string); ok {
		return literal.String.Quote(s)
	}
	return render(v, true)
}

// cueKind is the CUE kind name of a data value.
func cueKind(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case nil:
		return "null"
	case map[string]any:
		return "struct"
	case []any:
		return "list"
	case float64:
		if x == float64(int64(x)) {
			return "int"
		}
		return "float"
	case int64, int:
		return "int"
	}
	return ""
}

// article names a CUE kind for a person.
func article(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int":
		return "an integer"
	case "float", "number":
		return "a number"
	case "bool":
		return "a boolean"
	case "struct":
		return "an object"
	case "list":
		return "a list"
	case "null":
		return "null"
	}
	return kind
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// unquote undoes CUE's quoting of a label in an error path.
func unquote(s string) (string, error) { return literal.Unquote(s) }

// index parses a list index within bounds.
func index(elem string, n int) (int, bool) {
	i, err := strconv.Atoi(elem)
	if err != nil || i < 0 || i >= n {
		return 0, false
	}
	return i, true
}
