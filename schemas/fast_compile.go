package schemas

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cuenet "cuelang.org/go/pkg/net"
)

// maxDepth bounds the nesting the compiler follows, in schema levels and
// in the operands of one expression; maxNodes bounds the nodes it builds,
// so that a recursive definition cannot make it run away.
const (
	maxDepth = 64
	maxNodes = 20000
)

// compiler turns an evaluated schema into nodes. It reads the value with
// the cue API and, to know where a constraint came from, the CUE source
// behind it.
type compiler struct {
	nodes int
	// active holds the struct literals of the structs being compiled; one
	// met again inside itself is a recursive definition, left to CUE.
	active map[*ast.StructLit]bool
	gaveUp bool
	// regexps holds each pattern compiled once: the kinds share their
	// formats, and sharing keeps the checker at about 300 KB, not 1.4 MB.
	regexps map[string]*regexp.Regexp
	// fallbacks lists, as "path: reason", every part of the schemas that
	// the compiler left to CUE.
	fallbacks []string
}

func newCompiler() *compiler {
	return &compiler{active: map[*ast.StructLit]bool{}}
}

// errTooLarge is noted only where the compiler first gives up.
var errTooLarge = errors.New("schema too large or too deep")

// note records a part left to CUE.
func (c *compiler) note(path string, err error) {
	if errors.Is(err, errTooLarge) {
		if c.gaveUp {
			return
		}
		c.gaveUp = true
	}
	c.fallbacks = append(c.fallbacks, path+": "+err.Error())
}

// node compiles v, or notes why it cannot and returns unknown.
func (c *compiler) node(v cue.Value, path string, depth int) node {
	n, err := c.compile(v, path, depth)
	if err != nil {
		c.note(path, err)
		return unknown{}
	}
	return n
}

// compile compiles v by its kind: a struct, an open list, or an expression
// over scalars.
func (c *compiler) compile(v cue.Value, path string, depth int) (node, error) {
	c.nodes++
	if c.nodes > maxNodes || depth > maxDepth {
		return nil, errTooLarge
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		return c.structure(v, path, depth)
	case cue.ListKind:
		return c.list(v, path, depth)
	}
	return c.expr(v, path, depth)
}

// list compiles an open list, [...X]: each of its conjuncts must be a list
// literal that holds nothing but "...", so that only the element schema,
// the value at cue.AnyIndex, constrains the data. Without any X, as in
// [...], the elements may be anything.
func (c *compiler) list(v cue.Value, path string, depth int) (node, error) {
	typed := false
	for _, x := range conjuncts(v, depth) {
		for hops := 0; ; hops++ {
			op, _ := x.Expr()
			if op != cue.SelectorOp {
				break
			}
			target, err := resolve(x)
			if err != nil {
				return nil, err
			}
			if hops == maxDepth {
				return nil, errTooLarge
			}
			x = target
		}
		lit, ok := source(x).(*ast.ListLit)
		if !ok || len(lit.Elts) != 1 {
			return nil, errors.New("list that is not [...X]")
		}
		ellipsis, ok := lit.Elts[0].(*ast.Ellipsis)
		if !ok {
			return nil, errors.New("list that is not [...X]")
		}
		typed = typed || ellipsis.Type != nil
	}
	if !typed {
		return list{elem: top{}}, nil
	}
	elem := v.LookupPath(cue.MakePath(cue.AnyIndex))
	if !elem.Exists() {
		return nil, errors.New("no element schema")
	}
	return list{elem: c.node(elem, path+"[_]", depth+1)}, nil
}

// expr compiles a constraint that is not a struct or list by its operator.
// Every expression it interprets passes independent first, so that its
// meaning is the same with and without the data.
func (c *compiler) expr(v cue.Value, path string, depth int) (node, error) {
	op, args := v.Expr()
	switch src := source(v); {
	case src != nil:
		if err := independent(src); err != nil {
			return nil, err
		}
	case op == cue.AndOp:
		// The conjuncts of a field, each checked on its own below; their
		// value, even a concrete one, says nothing until they are.
		return c.all(args, path, depth)
	case !concreteScalar(v):
		// Only a value filled in from Go, such as Options.Lifecycles,
		// has no source.
		return nil, errors.New("constraint without a source")
	}
	if concreteScalar(v) {
		return scalar(v)
	}
	switch op {
	case cue.AndOp:
		return c.all(args, path, depth)
	case cue.OrOp:
		alts := make(anyOf, 0, len(args))
		for _, a := range args {
			alts = append(alts, alternative{kinds: a.IncompleteKind(), node: c.node(a, path, depth+1)})
		}
		return alts, nil
	case cue.RegexMatchOp, cue.NotRegexMatchOp:
		s, err := args[0].String()
		if err != nil {
			return nil, fmt.Errorf("pattern of %s: %w", op, err)
		}
		re, err := c.regexp(s)
		if err != nil {
			return nil, fmt.Errorf("pattern of %s: %w", op, err)
		}
		return match{re: re, negate: op == cue.NotRegexMatchOp}, nil
	case cue.NotEqualOp:
		s, err := args[0].String()
		if err != nil {
			return nil, fmt.Errorf("operand of !=: %w", err)
		}
		return notEqual{value: s}, nil
	case cue.SelectorOp:
		if b, ok := builtin(v); ok {
			return b, nil
		}
		target, err := resolve(v)
		if err != nil {
			return nil, err
		}
		return c.compile(target, path, depth+1)
	case cue.NoOp:
		return basicType(v)
	}
	return nil, fmt.Errorf("operator %s", op)
}

// all compiles a conjunction; each operand must compile.
func (c *compiler) all(args []cue.Value, path string, depth int) (node, error) {
	all := make(allOf, 0, len(args))
	for _, a := range args {
		n, err := c.compile(a, path, depth+1)
		if err != nil {
			return nil, err
		}
		all = append(all, n)
	}
	return all, nil
}

// regexp compiles a pattern as CUE does, with Go's regexp package.
func (c *compiler) regexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := c.regexps[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	if c.regexps == nil {
		c.regexps = map[string]*regexp.Regexp{}
	}
	c.regexps[pattern] = re
	return re, nil
}

// concreteScalar reports whether v is a concrete string, bool or null.
func concreteScalar(v cue.Value) bool {
	switch v.Kind() {
	case cue.StringKind, cue.BoolKind, cue.NullKind:
		return true
	}
	return false
}

// scalar compiles a concrete string, bool or null.
func scalar(v cue.Value) (node, error) {
	switch v.Kind() {
	case cue.StringKind:
		s, err := v.String()
		return constant{value: s}, err
	case cue.BoolKind:
		b, err := v.Bool()
		return constant{value: b}, err
	}
	return constant{value: nil}, nil
}

// basicType compiles a value that Expr does not take apart. Only the basic
// types the schemas use are known; CUE prints each of them as its name.
func basicType(v cue.Value) (node, error) {
	switch s := fmt.Sprint(v); s {
	case "string":
		return stringKind{}, nil
	case "bool":
		return boolKind{}, nil
	case "_":
		return top{}, nil
	default:
		return nil, fmt.Errorf("constraint %.40s", s)
	}
}

// builtins are the validators of CUE's standard library that the checker
// runs itself, by import path and name, with the functions CUE calls.
var builtins = map[string]func(string) (bool, error){
	"net.AbsURL": cuenet.AbsURL,
}

// builtin compiles a reference to a standard library validator used
// without arguments, such as net.AbsURL.
func builtin(v cue.Value) (node, bool) {
	sel, ok := source(v).(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil, false
	}
	spec, ok := pkg.Node.(*ast.ImportSpec)
	if !ok || spec.Path == nil {
		return nil, false
	}
	importPath, err := strconv.Unquote(spec.Path.Value)
	if err != nil {
		return nil, false
	}
	name, ok := sel.Sel.(*ast.Ident)
	if !ok {
		return nil, false
	}
	fn, ok := builtins[importPath+"."+name.Name]
	if !ok {
		return nil, false
	}
	return validator{fn: fn}, true
}

// conjuncts flattens the conjunctions of v.
func conjuncts(v cue.Value, depth int) []cue.Value {
	op, args := v.Expr()
	if op != cue.AndOp || depth > maxDepth {
		return []cue.Value{v}
	}
	var out []cue.Value
	for _, a := range args {
		out = append(out, conjuncts(a, depth+1)...)
	}
	return out
}

// resolve follows a reference to the value it names. It accepts only
// references that independent accepts: to the package's top level, where
// the entity's data never is.
func resolve(v cue.Value) (cue.Value, error) {
	src := source(v)
	if src == nil {
		return cue.Value{}, errors.New("reference without a source")
	}
	if err := independent(src); err != nil {
		return cue.Value{}, err
	}
	root, path := v.ReferencePath()
	if !root.Exists() || len(path.Selectors()) == 0 {
		return cue.Value{}, fmt.Errorf("unresolved reference %v", src)
	}
	target := root.LookupPath(path)
	if !target.Exists() {
		return cue.Value{}, fmt.Errorf("reference to %v not found", path)
	}
	return target, nil
}

// source returns the expression v was written as, without the field or
// alias around it, or nil when v has none (such as a conjunction of
// several fields, or a struct CUE made up). Some CUE nodes return a typed
// nil pointer for no source, and every ast.Node is a pointer.
func source(v cue.Value) ast.Node {
	n := v.Source()
	for {
		if n == nil || reflect.ValueOf(n).IsNil() {
			return nil
		}
		switch x := n.(type) {
		case *ast.Field:
			n = x.Value
		case *ast.Alias:
			n = x.Expr
		case *ast.ParenExpr:
			n = x.X
		default:
			return n
		}
	}
}

// independent returns an error if the expression n could mean something
// else once the schema meets the data. CUE binds a reference to a field,
// alias, let or comprehension value of an enclosing struct to the struct
// being validated, which holds the entity's data; the parser resolves all
// of those in the file (Ident.Scope is that struct, clause or field). An
// identifier resolved in the file's scope names the package's top level or
// an import, and one left unresolved names a predeclared identifier, a
// label, or the top level of another file of the package: none of them is
// part of the entity.
func independent(n ast.Node) error {
	var err error
	ast.Walk(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && err == nil {
			switch id.Scope.(type) {
			case nil, *ast.File:
			default:
				err = fmt.Errorf("reference %s inside the schema", id.Name)
			}
		}
		return err == nil
	}, nil)
	return err
}
