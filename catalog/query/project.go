package query

import (
	"github.com/stackyard/stackyard/catalog/model"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// Projection selects fields from entity JSON, as the fields parameter of the
// catalog API does. The zero of *Projection (nil) keeps entities whole.
type Projection struct {
	fields [][]string // each field split on '.'
}

// CompileFields validates and compiles a fields list. Each element may hold
// several comma-separated fields (the query-string form); fields are trimmed,
// empty ones dropped and duplicates removed. A field containing '[' is an
// InputError, as array fields are not supported. No fields give a nil
// Projection. Handlers call it before writing anything, so errors come before
// a streamed response starts.
func CompileFields(fields []string) (*Projection, error) {
	var out [][]string
	seen := map[string]bool{}
	for _, list := range fields {
		for _, f := range strings.Split(list, ",") {
			f = strings.TrimSpace(f)
			if f == "" || seen[f] {
				continue
			}
			if strings.Contains(f, "[") {
				return nil, errs.Input("Invalid field %q, array type fields are not supported", f)
			}
			seen[f] = true
			out = append(out, strings.Split(f, "."))
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &Projection{fields: out}, nil
}

// Project applies fields to one entity; see CompileFields and
// Projection.Apply.
func Project(entityJSON []byte, fields []string) ([]byte, error) {
	p, err := CompileFields(fields)
	if err != nil {
		return nil, err
	}
	return p.Apply(entityJSON)
}

// Apply returns the partial entity holding the projected fields. A field is
// resolved level by level: a dotted segment that is not a key at its level is
// joined with the next one, so metadata.annotations.backstage.io/orphan finds
// the annotation. Missing fields are left out; array elements cannot be
// addressed. Values are copied verbatim from the input, and output members
// appear in the order the fields were given. A nil Projection returns the
// input itself.
func (p *Projection) Apply(entityJSON []byte) ([]byte, error) {
	if p == nil {
		return entityJSON, nil
	}
	root := &outNode{}
	for _, parts := range p.fields {
		path, raw, err := resolve(entityJSON, parts)
		if err != nil {
			return nil, err
		}
		if raw != nil {
			root.set(path, raw)
		}
	}
	return root.appendJSON(make([]byte, 0, 256)), nil
}

// resolve finds the value of a field in doc, returning its key path and raw
// JSON, or a nil value when the field does not exist.
func resolve(doc []byte, parts []string) ([]string, []byte, error) {
	path := make([]string, 0, len(parts))
	cur := doc
	pending, carried := "", false // a segment that was not a key at its level
	for i, part := range parts {
		seg := part
		if carried {
			seg = pending + "." + part
		}
		val, found, err := member(cur, seg)
		switch {
		case err != nil:
			return nil, nil, err
		case found:
			path = append(path, seg)
			cur, carried = val, false
		case i == len(parts)-1:
			return nil, nil, nil
		default:
			pending, carried = seg, true
		}
	}
	return path, cur, nil
}

// outNode is a node of a projected object under construction.
type outNode struct {
	key  string
	raw  []byte // a whole value copied from the input
	kids []*outNode
}

// set stores raw at path, as lodash.set does: a value set on an ancestor
// already contains it.
func (n *outNode) set(path []string, raw []byte) {
	for _, key := range path {
		if n.raw != nil {
			return
		}
		var next *outNode
		for _, k := range n.kids {
			if k.key == key {
				next = k
				break
			}
		}
		if next == nil {
			next = &outNode{key: key}
			n.kids = append(n.kids, next)
		}
		n = next
	}
	n.raw, n.kids = raw, nil
}

func (n *outNode) appendJSON(b []byte) []byte {
	if n.raw != nil {
		return append(b, n.raw...)
	}
	b = append(b, '{')
	for i, k := range n.kids {
		if i > 0 {
			b = append(b, ',')
		}
		b = model.AppendJSONString(b, k.key)
		b = append(b, ':')
		b = k.appendJSON(b)
	}
	return append(b, '}')
}
