package schemas

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
)

// object is a compiled struct. Its fields and pattern constraints come from
// the evaluated value; which keys it allows comes from the struct literals
// it was unified from (see group).
type object struct {
	fields map[string]field
	// present lists the fields the data must have: required ones, and
	// regular ones, whose value CUE would otherwise have to supply.
	present  []string
	patterns []pattern
	// unknownLabel is set when the compiler could not tell which keys
	// some pattern matches; keys remembers which match the keys seen.
	unknownLabel bool
	keys         keyMatches
	// open is set when every group allows any key, so that only declared
	// fields need a look.
	open   bool
	groups []group
}

// field is a declared field: its schema, with the values of the patterns
// that match its name, and whether every group allows it.
type field struct {
	node    node
	allowed bool
}

// pattern is a pattern constraint [label]: value. label is nil when the
// compiler could not tell which keys it matches.
type pattern struct {
	label node
	value node
}

// group is one struct literal that the struct was unified from. CUE allows
// a key in a closed struct only if the literal declares it, has a pattern
// that matches it, or ends in "...". Treating every literal as closed is
// the safe side: a key allowed by each literal is allowed by CUE.
type group struct {
	open     bool
	labels   map[string]bool
	patterns []node // labels of the literal's own patterns that were compiled
}

func (o *object) accepts(x any) bool {
	m, ok := x.(map[string]any)
	if !ok {
		return false
	}
	for _, name := range o.present {
		if _, ok := m[name]; !ok {
			return false
		}
	}
	for k, v := range m {
		if !utf8.ValidString(k) {
			return false
		}
		if f, ok := o.fields[k]; ok {
			if !f.allowed || !f.node.accepts(v) {
				return false
			}
			continue
		}
		if !o.allows(k) || !o.undeclared(k, v) {
			return false
		}
	}
	return true
}

// allows reports whether every group allows the undeclared key k.
func (o *object) allows(k string) bool {
	if o.open {
		return true
	}
	for _, g := range o.groups {
		if !g.allows(k) {
			return false
		}
	}
	return true
}

func (g group) allows(k string) bool {
	if g.open || g.labels[k] {
		return true
	}
	for _, p := range g.patterns {
		if p.accepts(k) {
			return true
		}
	}
	return false
}

// undeclared checks the value of an undeclared key against the patterns
// that match the key, or, if none does, only that CUE can encode it.
func (o *object) undeclared(k string, v any) bool {
	bits, ok := o.matches(k)
	if !ok {
		return false
	}
	for i, p := range o.patterns {
		if bits&(1<<i) != 0 && !p.value.accepts(v) {
			return false
		}
	}
	return plain(v)
}

// structure compiles a struct-valued schema.
func (c *compiler) structure(v cue.Value, path string, depth int) (node, error) {
	groups, err := c.groups(v, depth)
	if err != nil {
		return nil, err
	}
	for _, lit := range groups {
		if c.active[lit] {
			return nil, errors.New("recursive definition")
		}
	}
	for _, lit := range groups {
		c.active[lit] = true
		defer delete(c.active, lit)
	}
	o := &object{fields: map[string]field{}}
	it, err := v.Fields(cue.Optional(true), cue.Patterns(true))
	if err != nil {
		return nil, fmt.Errorf("read fields: %w", err)
	}
	sources := map[ast.Node]node{} // pattern label source → compiled label
	var arcs []arc
	for it.Next() {
		sel := it.Selector()
		if sel.ConstraintType() == cue.PatternConstraint {
			label := sel.Pattern()
			p := pattern{value: c.node(it.Value(), path+sel.String(), depth+1)}
			n, err := c.compile(label, path+sel.String(), depth+1)
			if err == nil && len(o.patterns) == 64 {
				err = errManyPatterns
			}
			if err != nil {
				c.note(path+sel.String()+" label", err)
				o.unknownLabel = true
			} else {
				p.label = n
				if src := label.Source(); src != nil {
					sources[src] = n
				}
			}
			o.patterns = append(o.patterns, p)
			continue
		}
		name := sel.Unquoted()
		arcs = append(arcs, arc{name: name, value: it.Value(), ctype: sel.ConstraintType()})
	}
	for _, lit := range groups {
		g, err := newGroup(lit, sources)
		if err != nil {
			return nil, err
		}
		o.groups = append(o.groups, g)
	}
	o.open = openGroups(o.groups)
	for _, a := range arcs {
		f := field{node: c.node(a.value, path+"."+a.name, depth+1), allowed: o.allowsDeclared(a.name)}
		f.node = o.withPatterns(a.name, f.node)
		o.fields[a.name] = f
		if a.ctype != cue.OptionalConstraint {
			o.present = append(o.present, a.name)
		}
	}
	return o, nil
}

// arc is a declared field read from the evaluated struct.
type arc struct {
	name  string
	value cue.Value
	ctype cue.SelectorType
}

// allowsDeclared reports whether every group allows a declared field.
func (o *object) allowsDeclared(name string) bool {
	for _, g := range o.groups {
		if !g.allows(name) {
			return false
		}
	}
	return true
}

// withPatterns adds the values of the patterns that match a declared name
// to its schema. CUE applies them too; the evaluated field may already
// hold them, and checking twice is harmless.
func (o *object) withPatterns(name string, n node) node {
	all := allOf{n}
	for _, p := range o.patterns {
		if p.label == nil {
			return unknown{}
		}
		if p.label.accepts(name) {
			all = append(all, p.value)
		}
	}
	if len(all) == 1 {
		return n
	}
	return all
}

// openGroups reports whether every group allows every key.
func openGroups(groups []group) bool {
	for _, g := range groups {
		if g.open {
			continue
		}
		every := false
		for _, p := range g.patterns {
			switch p.(type) {
			case stringKind, top:
				every = true
			}
		}
		if !every {
			return false
		}
	}
	return true
}

// groups returns the struct literals that v is the unification of,
// following references to package-level definitions.
func (c *compiler) groups(v cue.Value, depth int) ([]*ast.StructLit, error) {
	if depth > maxDepth {
		return nil, errors.New("too deep")
	}
	var out []*ast.StructLit
	for _, x := range conjuncts(v, depth) {
		op, _ := x.Expr()
		switch op {
		case cue.SelectorOp:
			target, err := resolve(x)
			if err != nil {
				return nil, err
			}
			lits, err := c.groups(target, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, lits...)
		case cue.NoOp:
			lit, ok := source(x).(*ast.StructLit)
			if !ok {
				return nil, fmt.Errorf("struct from %T", source(x))
			}
			out = append(out, lit)
		default:
			return nil, fmt.Errorf("struct built with %s", op)
		}
	}
	return out, nil
}

// newGroup reads what a struct literal allows. It refuses a literal with
// anything but plain fields, pattern constraints and "...": a
// comprehension, embedding or let clause may add fields or constraints that
// depend on the data, which the evaluated schema alone does not show.
// labels maps the sources of compiled pattern labels to their nodes.
func newGroup(lit *ast.StructLit, labels map[ast.Node]node) (group, error) {
	g := group{labels: map[string]bool{}}
	for _, d := range lit.Elts {
		switch d := d.(type) {
		case *ast.Field:
			if err := g.addLabel(d.Label, labels); err != nil {
				return group{}, err
			}
		case *ast.Ellipsis:
			if d.Type != nil {
				return group{}, errors.New("typed ...")
			}
			g.open = true
		case *ast.Attribute, *ast.CommentGroup:
		default:
			return group{}, fmt.Errorf("struct literal with %T", d)
		}
	}
	return g, nil
}

// addLabel records the name of a field, or the compiled label of a pattern.
func (g *group) addLabel(l ast.Label, labels map[ast.Node]node) error {
	switch l := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(l.Name, "#") || strings.HasPrefix(l.Name, "_") {
			return fmt.Errorf("definition or hidden field %s", l.Name)
		}
		g.labels[l.Name] = true
	case *ast.BasicLit:
		if l.Kind != token.STRING {
			return fmt.Errorf("label %s", l.Value)
		}
		name, err := literal.Unquote(l.Value)
		if err != nil {
			return fmt.Errorf("label %s: %w", l.Value, err)
		}
		g.labels[name] = true
	case *ast.ListLit:
		if len(l.Elts) != 1 {
			return errors.New("pattern with several labels")
		}
		if n, ok := labels[l.Elts[0]]; ok {
			g.patterns = append(g.patterns, n)
		}
	default:
		return fmt.Errorf("label %T", l)
	}
	return nil
}
