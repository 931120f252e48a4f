package templating

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// Names of the internal filters the rewrite inserts.
const (
	filterStr     = "__sy_str"
	filterCapture = "__sy_capture"
	filterGuard   = "__sy_guard"
)

// parse parses src and rewrites its tree: every printed value goes
// through the JavaScript-style printer (or, in capture mode, the capture
// filter), and every +, ~ and * checks the size of what it builds.
func (e *Engine) parse(src string, capture bool) (*exec.Template, error) {
	tpl, err := exec.NewTemplate(templateName, e.cfg, &onlyLoader{src: src}, e.env)
	if err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	printer := filterStr
	if capture {
		if n := len(tpl.Root().Nodes); n != 1 {
			return nil, fmt.Errorf("parse template: not a single expression")
		}
		if _, ok := tpl.Root().Nodes[0].(*nodes.Output); !ok {
			return nil, fmt.Errorf("parse template: not a single expression")
		}
		printer = filterCapture
	}
	w := &walker{seen: map[uintptr]bool{}, printer: printer}
	w.walk(reflect.ValueOf(tpl.Root()))
	return tpl, nil
}

// walker visits every node reachable from the template root, including
// those held in unexported fields of control structures, and rewrites
// Output and BinaryExpression nodes in place.
type walker struct {
	seen    map[uintptr]bool
	printer string
}

var (
	outputType = reflect.TypeFor[*nodes.Output]()
	binaryType = reflect.TypeFor[*nodes.BinaryExpression]()
)

func (w *walker) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			w.walk(v.Elem())
		}
	case reflect.Pointer:
		if v.IsNil() || w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
		ptr := reflect.NewAt(v.Type().Elem(), unsafe.Pointer(v.Pointer()))
		w.walk(ptr.Elem())
		w.rewrite(ptr)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanAddr() {
				continue
			}
			w.walk(reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			w.walk(v.Index(i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			w.walk(iter.Value())
		}
	}
}

func (w *walker) rewrite(ptr reflect.Value) {
	switch ptr.Type() {
	case outputType:
		o := ptr.Interface().(*nodes.Output)
		o.Expression = wrap(o.Expression, w.printer)
		if o.Alternative != nil {
			o.Alternative = wrap(o.Alternative, w.printer)
		}
	case binaryType:
		b := ptr.Interface().(*nodes.BinaryExpression)
		if b.Operator == nil || b.Operator.Token == nil {
			return
		}
		switch op := b.Operator.Token.Val; op {
		case "+", "~", "*":
			b.Left = &nodes.FilteredExpression{Expression: b.Left, Filters: []*nodes.FilterCall{{
				Token: b.Operator.Token, Name: filterGuard,
				Args: []nodes.Expression{b.Right, &nodes.String{Location: b.Operator.Token, Val: op}},
			}}}
		}
	}
}

func wrap(expr nodes.Expression, filter string) nodes.Expression {
	if expr == nil {
		return nil
	}
	fc := &nodes.FilterCall{Name: filter, Token: expr.Position()}
	return &nodes.FilteredExpression{Expression: expr, Filters: []*nodes.FilterCall{fc}}
}

// strFilter prints a value the JavaScript way.
func strFilter(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if rt := runtimeOf(e); rt != nil {
		if stop := rt.check(); stop != nil {
			return stop
		}
	}
	if in.IsError() {
		return in
	}
	return exec.AsValue(jsString(in))
}

// captureFilter stores the typed value of a single-expression template.
func captureFilter(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	if in.IsError() {
		return in
	}
	rt := runtimeOf(e)
	if rt == nil {
		return exec.AsValue("")
	}
	if stop := rt.check(); stop != nil {
		return stop
	}
	v := in.ToGoSimpleType(false)
	if err, ok := v.(error); ok {
		return exec.AsValue(err)
	}
	rt.captured = v
	return exec.AsValue("")
}

// guardFilter passes its input through unless the operation about to run
// (+, ~ or * with the argument) would build a string or list beyond the
// output cap.
func guardFilter(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	rt := runtimeOf(e)
	if rt == nil || len(params.Args) != 2 {
		return in
	}
	if stop := rt.check(); stop != nil {
		return stop
	}
	right, op := params.Args[0], params.Args[1].String()
	size := 0
	switch op {
	case "*":
		n, l := 0, 0
		if right.IsInteger() && (in.IsString() || in.IsList()) {
			n, l = right.Integer(), in.Len()
		} else if in.IsInteger() && (right.IsString() || right.IsList()) {
			n, l = in.Integer(), right.Len()
		}
		if n > 0 && l > 0 && n > rt.opts.MaxOutput/l {
			size = rt.opts.MaxOutput + 1
		} else {
			size = n * l
		}
	default:
		if in.IsString() || in.IsList() {
			size = in.Len()
		}
		if right.IsString() || right.IsList() {
			size += right.Len()
		}
	}
	if size > rt.opts.MaxOutput {
		err := fmt.Errorf("value larger than %d bytes: %w", rt.opts.MaxOutput, ErrLimit)
		rt.stop(err)
		return exec.AsValue(err)
	}
	return in
}
