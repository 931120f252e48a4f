package parse

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// Position returns the line and column of the value at path, a JSON path
// split into keys and list indices (["metadata", "tags", "1"]). A scalar
// value is located at its text, an object or list at its key. For a path
// that does not exist, such as a missing required field, Position returns
// the position of the nearest parent that does; for a document without a
// node it returns 0, 0.
func (d Document) Position(path []string) (line, col int) {
	if d.Node == nil || len(d.Node.Content) == 0 {
		return 0, 0
	}
	cur := resolve(d.Node.Content[0])
	line, col = cur.Line, cur.Column
	for _, elem := range path {
		key, val := child(cur, elem)
		if val == nil {
			return line, col
		}
		cur = resolve(val)
		switch {
		case cur.Kind == yaml.ScalarNode:
			line, col = val.Line, val.Column
		case key != nil:
			line, col = key.Line, key.Column
		default:
			line, col = val.Line, val.Column
		}
	}
	return line, col
}

// child finds the key and value nodes for one path element of n.
func child(n *yaml.Node, elem string) (key, val *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		return lookup(n, elem, 0)
	case yaml.SequenceNode:
		i, err := strconv.Atoi(elem)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil, nil
		}
		return nil, n.Content[i]
	}
	return nil, nil
}

// lookup finds key in a mapping, following merge keys (<<) the way the
// decoder does: the mapping's own keys first, then merged mappings in order.
func lookup(n *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	if depth > MaxDepth {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn := resolve(n.Content[i])
		if kn.Kind == yaml.ScalarNode && kn.Tag != "!!merge" && kn.Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if kn := n.Content[i]; kn.Kind != yaml.ScalarNode || kn.Tag != "!!merge" {
			continue
		}
		m := resolve(n.Content[i+1])
		sources := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			sources = m.Content
		}
		for _, s := range sources {
			if s = resolve(s); s.Kind == yaml.MappingNode {
				if k, v := lookup(s, key, depth+1); v != nil {
					return k, v
				}
			}
		}
	}
	return nil, nil
}

// resolve follows an alias to its anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}
