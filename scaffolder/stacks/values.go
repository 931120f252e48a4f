package stacks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// valuesFile is the file name of values compiled into CUE; errors placed
// there are moved to the template line that constrains the value.
const valuesFile = "values"

// NormalizeValues returns values as encoding/json decodes them (numbers as
// float64), so that values from YAML, JSON and CUE compare equal.
func NormalizeValues(values map[string]any) (map[string]any, error) {
	if values == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(values)
	if err != nil {
		return nil, errs.Input("values are not JSON: %s", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("normalize values: %w", err)
	}
	return out, nil
}

// unknownValues reports the given values that are not parameters.
func (t *Template) unknownValues(given map[string]any) []errs.FieldError {
	var out []errs.FieldError
	for k := range given {
		if _, ok := t.Param(k); !ok {
			out = append(out, errs.FieldError{Path: k, Message: "unknown parameter; the parameters are " + strings.Join(t.paramNames(), ", ")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// KnownValues splits values into those that are parameters of t and the
// names of those that are not, sorted.
func (t *Template) KnownValues(values map[string]any) (known map[string]any, dropped []string) {
	known = map[string]any{}
	for k, v := range values {
		if _, ok := t.Param(k); ok {
			known[k] = v
		} else {
			dropped = append(dropped, k)
		}
	}
	sort.Strings(dropped)
	return known, dropped
}

// StorableValues returns the values without those of @secret() parameters:
// what a stack record may keep.
func (t *Template) StorableValues(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if p, ok := t.Param(k); ok && p.Secret {
			continue
		}
		out[k] = v
	}
	return out
}

func (t *Template) paramNames() []string {
	names := make([]string, len(t.params))
	for i, p := range t.params {
		names[i] = p.Name
	}
	return names
}
