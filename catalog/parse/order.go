package parse

import (
	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/catalog/model"
)

// KeyOrder returns the order in which the document's author wrote its
// keys, so the entity's JSON can keep it (see model.KeyOrder). A document
// without a node has no order.
func (d Document) KeyOrder() *model.KeyOrder {
	o := &model.KeyOrder{}
	if d.Node != nil && len(d.Node.Content) > 0 {
		nodeOrder(resolve(d.Node.Content[0]), o, 0)
	}
	return o
}

func nodeOrder(n *yaml.Node, o *model.KeyOrder, depth int) {
	if depth > MaxDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value != "<<" {
				if v := resolve(n.Content[i+1]); container(v) {
					nodeOrder(v, o.Add(k.Value), depth+1)
				} else {
					o.AddScalar(k.Value)
				}
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if v := resolve(c); container(v) {
				nodeOrder(v, o.Item(i), depth+1)
			}
		}
	}
}

// container reports whether n is a mapping or a sequence, which have an
// order of their own.
func container(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode
}
