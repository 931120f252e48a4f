package query

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

// maxKeyLength and maxValueLength are Backstage's limits on search keys and
// values, counted in UTF-16 code units as JavaScript does. Longer keys are
// dropped; longer values keep their row but lose the value.
const (
	maxKeyLength   = 200
	maxValueLength = 200
)

// Row is one search row of an entity, as Backstage's buildEntitySearch makes
// it. Key and Value are lower-cased. HasValue is false for null values and for
// values longer than 200 characters: such rows match existence tests only.
// Original keeps the value's case; only facets use it.
type Row struct {
	Key      string `json:"key"`
	Value    string `json:"value,omitempty"`
	HasValue bool   `json:"hasValue"`
	Original string `json:"original,omitempty"`
}

// skippedPaths are the subtrees the generic walk leaves out, exactly as
// Backstage's SPECIAL_KEYS: either they are not worth indexing or they get
// explicit rows below.
var skippedPaths = map[string]bool{
	"attachments":        true,
	"relations":          true,
	"status":             true,
	"metadata.name":      true,
	"metadata.namespace": true,
	"metadata.uid":       true,
	"metadata.etag":      true,
}

// kv is one raw (key, value) pair before case folding. value is nil, a
// string, a bool or a float64.
type kv struct {
	key   string
	value any
}

// SearchRows flattens a final entity into its search rows with the exact
// semantics of Backstage's buildEntitySearch: a depth-first walk that skips
// attachments, relations, status and metadata.name/namespace/uid/etag; one row
// per scalar; array items under the array's key plus a "key.item"=true row for
// string items; explicit metadata.name, metadata.namespace (plus "default"
// when unset) and metadata.uid rows; one relations.<type> row per relation.
// Keys longer than 200 characters are dropped, longer values become rows
// without a value, and duplicate (key, value) rows are removed. Keys that
// differ only in case fail with an InputError, as the stitcher does.
//
// Object keys are visited in sorted order, so the result is deterministic.
func SearchRows(e model.Entity) ([]Row, error) {
	w := walker{seen: map[string]bool{}}
	w.visit("", normalize(map[string]any(e)))
	raw := w.out

	md, _ := normalize(e["metadata"]).(map[string]any)
	raw = append(raw,
		kv{"metadata.name", scalar(md["name"])},
		kv{"metadata.namespace", scalar(md["namespace"])},
		kv{"metadata.uid", scalar(md["uid"])},
	)
	if !truthy(md["namespace"]) {
		raw = append(raw, kv{"metadata.namespace", model.DefaultNamespace})
	}
	rels, _ := normalize(e["relations"]).([]any)
	for _, r := range rels {
		m, _ := normalize(r).(map[string]any)
		typ, present := m["type"]
		raw = append(raw, kv{"relations." + jsTypeString(typ, present), scalar(m["targetRef"])})
	}
	lower := make([]string, len(raw))
	for i, r := range raw {
		lower[i] = jsLower(r.key)
	}
	if err := checkCaseCollisions(raw, lower); err != nil {
		return nil, err
	}
	return toRows(raw, lower), nil
}

// walker is the traversal state of SearchRows.
type walker struct {
	out  []kv
	seen map[string]bool // lower-cased "key.item" rows already emitted
}

func (w *walker) visit(path string, v any) {
	if skippedPaths[path] {
		return
	}
	switch t := normalize(v).(type) {
	case nil, string, bool, float64:
		w.out = append(w.out, kv{path, t})
	case []any:
		for _, item := range t {
			w.visit(path, item)
			if s, ok := item.(string); ok {
				pathKey := path + "." + s
				lower := jsLower(pathKey)
				if !w.seen[lower] {
					w.seen[lower] = true
					w.out = append(w.out, kv{pathKey, true})
				}
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if path == "" {
				w.visit(k, t[k])
			} else {
				w.visit(path+"."+k, t[k])
			}
		}
	}
}

// checkCaseCollisions rejects entities with keys that differ only in case,
// with Backstage's message. lower holds the lower-cased keys of raw.
func checkCaseCollisions(raw []kv, lower []string) error {
	first := make(map[string]string, len(raw)) // lower-cased key -> raw key
	collision := false
	for i, r := range raw {
		if k, ok := first[lower[i]]; !ok {
			first[lower[i]] = r.key
		} else if k != r.key {
			collision = true
		}
	}
	if !collision {
		return nil
	}
	// Backstage lists, in first-seen order of the raw keys, the lower-cased
	// form of every raw key whose lower-cased form was already taken.
	seenRaw := map[string]bool{}
	taken := map[string]bool{}
	var diff []string
	for i, r := range raw {
		if seenRaw[r.key] {
			continue
		}
		seenRaw[r.key] = true
		if taken[lower[i]] && !slices.Contains(diff, lower[i]) {
			diff = append(diff, lower[i])
		}
		taken[lower[i]] = true
	}
	return errs.Input("Entity has duplicate keys that vary only in casing, '%s'", strings.Join(diff, "', '"))
}

// toRows case-folds raw pairs, applies the length limits and removes
// duplicate (key, value) rows, keeping the first. lower holds the
// lower-cased keys of raw.
func toRows(raw []kv, lower []string) []Row {
	rows := make([]Row, 0, len(raw))
	for i, r := range raw {
		if len(lower[i]) > maxKeyLength && utf16Len(lower[i]) > maxKeyLength {
			continue
		}
		row := Row{Key: lower[i]}
		if r.value != nil {
			orig := jsString(r.value)
			value := jsLower(orig)
			// UTF-16 never needs more units than UTF-8 needs bytes.
			if len(value) <= maxValueLength || utf16Len(value) <= maxValueLength {
				row = Row{Key: lower[i], Value: value, HasValue: true, Original: orig}
			}
		}
		rows = append(rows, row)
	}
	return dedupRows(rows)
}

// dedupRows drops rows equal in (key, value) to an earlier row. Duplicates
// are rare, so a stable sort of positions finds them without a map.
func dedupRows(rows []Row) []Row {
	pos := make([]int32, len(rows))
	for i := range pos {
		pos[i] = int32(i)
	}
	slices.SortStableFunc(pos, func(a, b int32) int {
		x, y := &rows[a], &rows[b]
		if c := strings.Compare(x.Key, y.Key); c != 0 {
			return c
		}
		if x.HasValue != y.HasValue {
			return cmpBool(x.HasValue, y.HasValue)
		}
		return strings.Compare(x.Value, y.Value)
	})
	var dup []bool
	for i := 1; i < len(pos); i++ {
		a, b := &rows[pos[i-1]], &rows[pos[i]]
		if a.Key == b.Key && a.HasValue == b.HasValue && a.Value == b.Value {
			if dup == nil {
				dup = make([]bool, len(rows))
			}
			dup[pos[i]] = true
		}
	}
	if dup == nil {
		return rows
	}
	out := rows[:0]
	for i, r := range rows {
		if !dup[i] {
			out = append(out, r)
		}
	}
	return out
}

func cmpBool(a, b bool) int {
	if a == b {
		return 0
	}
	if a {
		return 1
	}
	return -1
}

// scalar returns v when it is a JSON scalar and nil otherwise, mirroring how
// the explicit rows store whatever the entity holds.
func scalar(v any) any {
	switch t := normalize(v).(type) {
	case string, bool, float64:
		return t
	}
	return nil
}

// truthy mirrors JavaScript truthiness for JSON values.
func truthy(v any) bool {
	switch t := normalize(v).(type) {
	case nil:
		return false
	case string:
		return t != ""
	case bool:
		return t
	case float64:
		return t != 0 && t == t
	}
	return true
}

// jsTypeString renders a relation type the way a JavaScript template string
// would; present is false when the property is missing (undefined).
func jsTypeString(v any, present bool) string {
	switch t := normalize(v).(type) {
	case nil:
		if !present {
			return "undefined"
		}
		return "null"
	case string, bool, float64:
		return jsString(t)
	}
	return "[object Object]"
}

// normalize turns Go values that are not plain JSON values (typed slices and
// maps, integers, structs such as model.Relation) into the generic
// map[string]any / []any / float64 shapes that encoding/json produces.
func normalize(v any) any {
	switch t := v.(type) {
	case nil, string, bool, float64, map[string]any, []any:
		return t
	case model.Entity:
		return map[string]any(t)
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case int32:
		return float64(t)
	case uint64:
		return float64(t)
	case float32:
		return float64(t)
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return t.String()
		}
		return f
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, s := range t {
			out[k] = s
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
