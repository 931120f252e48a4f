package parse

import (
	"fmt"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

// decoder turns one document's node tree into JSON values, counting what it
// produces so that nesting and alias expansion stay bounded.
type decoder struct {
	values  int // values produced
	aliased int // values produced while expanding an alias
	inAlias int // depth of alias expansion we are in
}

// value decodes any node at the given nesting depth.
func (d *decoder) value(n *yaml.Node, depth int) (any, error) {
	d.values++
	if d.inAlias > 0 {
		d.aliased++
	}
	if d.values > MaxValues {
		return nil, &nodeError{n, fmt.Sprintf("document has more than %d values", MaxValues)}
	}
	if d.aliased > MaxAliasValues {
		return nil, &nodeError{n, fmt.Sprintf("aliases expand to more than %d values; refusing a possible alias bomb", MaxAliasValues)}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalar(n)
	case yaml.MappingNode:
		return d.mapping(n, depth+1)
	case yaml.SequenceNode:
		return d.sequence(n, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, &nodeError{n, "unknown alias " + n.Value}
		}
		d.inAlias++
		v, err := d.value(n.Alias, depth)
		d.inAlias--
		return v, err
	}
	return nil, &nodeError{n, "unexpected YAML node"}
}

// sequence decodes a list.
func (d *decoder) sequence(n *yaml.Node, depth int) ([]any, error) {
	if depth > MaxDepth {
		return nil, &nodeError{n, fmt.Sprintf("values nest more than %d levels deep", MaxDepth)}
	}
	out := make([]any, len(n.Content))
	for i, c := range n.Content {
		v, err := d.value(c, depth)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// mapping decodes an object. Keys must be unique strings. Merge keys (<<)
// work as in yaml.v3: keys written in the mapping win over merged ones, and
// earlier merged mappings win over later ones.
func (d *decoder) mapping(n *yaml.Node, depth int) (map[string]any, error) {
	if depth > MaxDepth {
		return nil, &nodeError{n, fmt.Sprintf("values nest more than %d levels deep", MaxDepth)}
	}
	out := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := mapKey(k)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, &nodeError{k, fmt.Sprintf("key %q is repeated in this object", key)}
		}
		val, err := d.value(v, depth)
		if err != nil {
			return nil, err
		}
		out[key] = val
	}
	for _, m := range merges {
		if err := d.merge(out, m, depth); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// merge adds the keys of a merged mapping (or list of mappings) that out
// does not have yet.
func (d *decoder) merge(out map[string]any, m *yaml.Node, depth int) error {
	target := m
	if target.Kind == yaml.AliasNode && target.Alias != nil {
		target = target.Alias
	}
	switch target.Kind {
	case yaml.MappingNode:
		v, err := d.value(m, depth)
		if err != nil {
			return err
		}
		for k, x := range v.(map[string]any) {
			if _, ok := out[k]; !ok {
				out[k] = x
			}
		}
		return nil
	case yaml.SequenceNode:
		for _, c := range target.Content {
			r := c
			if r.Kind == yaml.AliasNode && r.Alias != nil {
				r = r.Alias
			}
			if r.Kind != yaml.MappingNode {
				return &nodeError{c, "a merge (<<) list may hold only objects"}
			}
			if err := d.merge(out, c, depth); err != nil {
				return err
			}
		}
		return nil
	}
	return &nodeError{m, "a merge (<<) needs an object or a list of objects"}
}

// mapKey returns a mapping key, which must be a string.
func mapKey(k *yaml.Node) (string, error) {
	n := k
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		return n.Value, nil
	}
	if n.Kind == yaml.ScalarNode {
		return "", &nodeError{k, fmt.Sprintf("object keys must be strings, got %s; quote the key: %q", describe(n), n.Value)}
	}
	return "", &nodeError{k, fmt.Sprintf("object keys must be strings, got %s", describe(n))}
}

// scalar decodes a scalar by its resolved tag. Numbers become float64, as
// encoding/json would give them.
func scalar(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, &nodeError{n, "invalid boolean " + strconv.Quote(n.Value)}
		}
		return b, nil
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, &nodeError{n, "invalid number " + strconv.Quote(n.Value)}
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &nodeError{n, fmt.Sprintf("number %s cannot be represented in JSON", n.Value)}
		}
		return f, nil
	}
	// !!str, and also !!timestamp, !!binary and custom tags: JSON has no such
	// types, and Backstage keeps them as the text written.
	return n.Value, nil
}
