package schemas

import (
	"sort"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
)

// FuzzChecker mutates valid entities of every kind and checks the one
// property the fast path needs: what it calls valid, CUE accepts too. The
// first byte picks the entity and, with its top bit, the lifecycle option;
// ops drives the mutations (see mutator), and text is one more value or key.
// CUE runs only when the fast path says valid, so an input costs
// microseconds unless it tests something.
func FuzzChecker(f *testing.F) {
	validators := []*Validator{compile(f, Options{}), compile(f, Options{Lifecycles: []string{"alpha", "ga"}})}
	var seeds []model.Entity
	for _, d := range append(corpus(f), typicalDoc(f, 1)) {
		if !strings.Contains(d.File, "invalid") && validators[0].fast.valid(d.Entity) {
			seeds = append(seeds, d.Entity)
		}
	}
	for i := range seeds {
		f.Add(uint8(i), []byte{}, "")
	}
	f.Add(uint8(0x80), []byte{1, 1, 0, 1, 5}, "ga")
	f.Add(uint8(1), []byte{2, 0, 11, 12}, "Upper")
	f.Add(uint8(2), []byte{4, 1, 6, 0, 3, 3, 7}, "a/b")
	f.Add(uint8(3), []byte{0, 1, 2, 0, 1}, "")
	f.Add(uint8(4), []byte{1, 0, 24, 35}, "backstage.io/x")
	f.Fuzz(func(t *testing.T, pick uint8, ops []byte, text string) {
		e := deepCopy(seeds[int(pick&0x7f)%len(seeds)]).(map[string]any)
		m := &mutator{ops: ops, text: text}
		for len(m.ops) > 0 {
			m.mutate(e)
		}
		v := validators[pick>>7]
		doc := parse.Document{Entity: e}
		if !v.fast.valid(doc.Entity) {
			return
		}
		if errs := v.validateCUE(doc); errs != nil {
			t.Fatalf("passed the fast path, but CUE says %v\nentity: %#v", errs, e)
		}
	})
}

// mutator edits an entity as its bytes say: each edit reads an operation,
// then walks down from the root while the next byte is odd, to the child
// that byte names, and applies the operation there.
type mutator struct {
	ops  []byte
	text string
}

func (m *mutator) next() int {
	if len(m.ops) == 0 {
		return 0
	}
	b := m.ops[0]
	m.ops = m.ops[1:]
	return int(b)
}

func (m *mutator) mutate(root map[string]any) {
	op := m.next()
	var at any = root
	for b := m.next(); b%2 == 1; b = m.next() {
		child := m.child(at, b/2)
		if child == nil {
			break
		}
		at = child
	}
	switch x := at.(type) {
	case map[string]any:
		m.editMap(x, op)
	case []any:
		if len(x) > 0 {
			i := m.next() % len(x)
			x[i] = m.edit(x[i], op)
		}
	}
}

// child returns the n-th map or list inside a map or list, or nil.
func (m *mutator) child(at any, n int) any {
	var children []any
	switch x := at.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			children = append(children, x[k])
		}
	case []any:
		children = x
	}
	var containers []any
	for _, c := range children {
		switch c.(type) {
		case map[string]any, []any:
			containers = append(containers, c)
		}
	}
	if len(containers) == 0 {
		return nil
	}
	return containers[n%len(containers)]
}

// editMap deletes, replaces or adds a key, or edits the value of one.
func (m *mutator) editMap(x map[string]any, op int) {
	keys := sortedKeys(x)
	switch {
	case op%8 == 0 && len(keys) > 0:
		delete(x, keys[m.next()%len(keys)])
	case op%8 == 1 || len(keys) == 0:
		x[m.key()] = m.value()
	default:
		k := keys[m.next()%len(keys)]
		x[k] = m.edit(x[k], op)
	}
}

// edit changes a value: into a palette value, into a list of itself or its
// first element, or, for a string, by a textual change.
func (m *mutator) edit(v any, op int) any {
	switch op % 8 {
	case 2:
		return m.value()
	case 3:
		switch x := v.(type) {
		case []any:
			if len(x) == 0 {
				return []any{m.value()}
			}
			return x[:len(x)-1]
		case map[string]any:
			keys := sortedKeys(x)
			if len(keys) > 0 {
				return x[keys[0]]
			}
		}
		return []any{v}
	}
	s, ok := v.(string)
	if !ok {
		return m.value()
	}
	switch m.next() % 10 {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return " " + s
	case 2:
		return s + " "
	case 3:
		return s + strings.Repeat("x", 64)
	case 4:
		return strings.Repeat("p", 254) + "/" + s
	case 5:
		return "-" + s
	case 6:
		return s + "/" + m.text
	case 7:
		return m.text + s
	case 8:
		return s[:len(s)/2]
	default:
		return s + "\xff"
	}
}

// keys the mutator adds, beside the fuzzed text.
var fuzzKeys = []string{
	"extra", "", " ", "A", "spec", "status", "relations", "labels", "annotations",
	"backstage.io/source-template", "backstage.io/template-version", "a/b", "Example.com/x",
	"-a", "a..b", "ünï", "a b", "_hidden", "#def", "links", "tags", "owner", "lifecycle",
	strings.Repeat("k", 64), strings.Repeat("p", 254) + "/k",
}

func (m *mutator) key() string {
	i := m.next() % (len(fuzzKeys) + 1)
	if i == len(fuzzKeys) {
		return m.text
	}
	return fuzzKeys[i]
}

// value returns a palette value: tricky strings, other types, or the
// fuzzed text.
func (m *mutator) value() any {
	palette := []any{
		"", " ", "\t", "x", "Production", "production", "experimental", "ga", "alpha",
		strings.Repeat("a", 63), strings.Repeat("a", 64), "a/b", "-a", "a-", "a..b", "ünïcode",
		"https://example.com", "/relative", "http://[::1", ":", "mailto:x", "group:default/team",
		"a\xffb", 0.0, 1.0, -1.5, 1e300, true, false, nil,
		[]any{}, []any{"a"}, []any{1.0}, []any{nil}, map[string]any{}, map[string]any{"a": "b"},
		map[string]any{"url": "https://x.io", "title": "T"}, map[string]any{"type": "ownedBy", "targetRef": "a"},
		m.text,
	}
	return palette[m.next()%len(palette)]
}

func sortedKeys(x map[string]any) []string {
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
