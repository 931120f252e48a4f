package templating

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
)

// runtimeKey is the context variable that carries a render's runtime to
// the guard filters.
const runtimeKey = "__stackyard_rt"

// runtime is the per-render state: limits, the stop flag and the value a
// capture-mode render produced.
type runtime struct {
	opts       Options
	iterations atomic.Int64
	stopped    atomic.Pointer[error]
	captured   any
	mu         sync.Mutex
}

func newRuntime(opts Options) *runtime { return &runtime{opts: opts} }

func (r *runtime) stop(err error) { r.stopped.CompareAndSwap(nil, &err) }

func (r *runtime) limitErr() error {
	if p := r.stopped.Load(); p != nil {
		return *p
	}
	return nil
}

// check returns an error value once the render was stopped, so that an
// abandoned render ends at its next output or guarded operation.
func (r *runtime) check() *exec.Value {
	if err := r.limitErr(); err != nil {
		return exec.AsValue(err)
	}
	return nil
}

func runtimeOf(e *exec.Evaluator) *runtime {
	v, ok := e.Environment.Context.Get(runtimeKey)
	if !ok {
		return nil
	}
	rt, _ := v.(*runtime)
	return rt
}

// cappedWriter is the render output, bounded.
type cappedWriter struct {
	b   bytes.Buffer
	max int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, fmt.Errorf("output larger than %d bytes: %w", w.max, ErrLimit)
	}
	return w.b.Write(p)
}

// onlyLoader serves the template being rendered and nothing else: no file
// can be included, imported or extended, not even the template itself.
type onlyLoader struct {
	src    string
	served atomic.Bool
}

var _ loaders.Loader = (*onlyLoader)(nil)

func (l *onlyLoader) Read(path string) (io.Reader, error) {
	if path != templateName || !l.served.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("templates cannot load %q", path)
	}
	return strings.NewReader(l.src), nil
}

func (l *onlyLoader) Resolve(path string) (string, error) { return path, nil }

func (l *onlyLoader) Inherit(string) (loaders.Loader, error) { return l, nil }

const templateName = "template"

// rangeFunc is range with a budget shared by the whole render.
func rangeFunc(e *exec.Evaluator, params *exec.VarArgs) ([]int, error) {
	start, stop, step := 0, 0, 1
	args := params.Args
	for _, a := range args {
		if !a.IsInteger() {
			return nil, fmt.Errorf("range expects integers")
		}
	}
	switch len(args) {
	case 1:
		stop = args[0].Integer()
	case 2:
		start, stop = args[0].Integer(), args[1].Integer()
	case 3:
		start, stop, step = args[0].Integer(), args[1].Integer(), args[2].Integer()
	default:
		return nil, fmt.Errorf("range expects [start, ]stop[, step]")
	}
	if step == 0 {
		return nil, fmt.Errorf("range step cannot be 0")
	}
	n := 0
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && start > stop {
		n = (start - stop - step - 1) / -step
	}
	rt := runtimeOf(e)
	if rt != nil {
		if err := rt.limitErr(); err != nil {
			return nil, err
		}
		if rt.iterations.Add(int64(n)) > int64(rt.opts.MaxIterations) {
			err := fmt.Errorf("range yields more than %d items: %w", rt.opts.MaxIterations, ErrLimit)
			rt.stop(err)
			return nil, err
		}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = start + i*step
	}
	return out, nil
}

// normalize copies JSON data into the shapes gonja handles best: integral
// numbers become ints, so that 3 + 1 prints 4, not 4.0.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[k] = normalize(item)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = normalize(item)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = item
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[k] = item
		}
		return out
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int(t)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	case nil:
		return nil
	}
	return v
}

// jsString prints a value the way JavaScript's String() does.
func jsString(v *exec.Value) string {
	switch {
	case v.IsNil():
		return ""
	case v.IsBool():
		if v.Bool() {
			return "true"
		}
		return "false"
	case v.IsString():
		return v.String()
	case v.IsInteger():
		return fmt.Sprint(v.Integer())
	case v.IsFloat():
		return jsNumber(v.Float())
	case v.IsList():
		parts := []string{}
		v.Iterate(func(_, _ int, item, _ *exec.Value) bool {
			parts = append(parts, jsString(item))
			return true
		}, func() {})
		return strings.Join(parts, ",")
	case v.IsDict():
		return "[object Object]"
	}
	return v.String()
}

func jsNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return fmt.Sprintf("%.0f", f)
	}
	b, _ := json.Marshal(f)
	return string(b)
}
