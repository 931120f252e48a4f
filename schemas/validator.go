package schemas

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
	"github.com/stackyard/stackyard/internal/errs"
)

// recycleAfter is how many validations an instance serves before it is
// rebuilt, which frees the field names its cue.Context interned. A context
// keeps up to about 2 KB per validation and a rebuild costs about 8 ms, so
// 2,000 bounds each instance to a few MB for about 4 µs per entity; at
// 20,000 two instances held some 80 MB while a large catalog was ingested.
const recycleAfter = 2000

// Options tighten the platform policy from configuration.
type Options struct {
	// Lifecycles replaces the allowed spec.lifecycle values; nil keeps the
	// default set in catalog/policy.cue.
	Lifecycles []string
	// Policy is extra CUE source unified with every entity, such as
	// `metadata: description!: string`. It may refer to the definitions of
	// package catalog (#NonBlank, #Lifecycle, ...). Empty means none.
	Policy string
}

// Validator checks entities against the compiled schemas. It is safe for
// concurrent use.
type Validator struct {
	opts       Options
	lifecycles []string
	kinds      map[string][]string // kind → apiVersions
	fast       *checker
	pool       chan *instance
	mu         sync.Mutex
	created    int
}

// Compile compiles the embedded schemas with the options, once. A syntax or
// type error in Options.Policy comes back with its line and column
// (policy:LINE:COL: message).
func Compile(opts Options) (*Validator, error) {
	for _, l := range opts.Lifecycles {
		if l == "" {
			return nil, errors.New("compile schemas: a lifecycle is empty")
		}
	}
	if opts.Lifecycles != nil && len(opts.Lifecycles) == 0 {
		return nil, errors.New("compile schemas: the lifecycle list is empty")
	}
	in, err := buildInstance(opts)
	if err != nil {
		return nil, err
	}
	v := &Validator{
		opts:       opts,
		lifecycles: in.lifecycles,
		kinds:      in.knownKinds(),
		fast:       newChecker(in, opts),
		pool:       make(chan *instance, runtime.GOMAXPROCS(0)),
		created:    1,
	}
	v.pool <- in
	return v, nil
}

// Lifecycles returns the allowed spec.lifecycle values.
func (v *Validator) Lifecycles() []string { return append([]string(nil), v.lifecycles...) }

// Validate checks one entity and returns every problem, sorted by position
// and then path, or nil when the entity is valid. doc.Node may be nil (an
// entity that came as JSON); the errors then have no line and column.
//
// A valid entity of a built-in kind usually passes the fast path, a checker
// compiled from the same schemas, and never reaches CUE; every other one is
// checked by CUE, which writes the messages.
func (v *Validator) Validate(doc parse.Document) []errs.FieldError {
	if v.fast.valid(doc.Entity) {
		return nil
	}
	return v.validateCUE(doc)
}

// validateCUE checks an entity with CUE alone.
func (v *Validator) validateCUE(doc parse.Document) []errs.FieldError {
	in, err := v.acquire()
	if err != nil {
		return []errs.FieldError{{File: doc.File, Message: "validator unavailable: " + err.Error()}}
	}
	defer v.release(in)
	data := map[string]any(doc.Entity)
	if data == nil {
		data = map[string]any{}
	}
	if n, changed := normalize(data); changed {
		data = n.(map[string]any)
	}
	apiVersion, kind := doc.Entity.APIVersion(), doc.Entity.Kind()
	s, known := in.kinds[kindKey{apiVersion, kind}]
	if !known {
		s = in.unknown
	}
	problems := in.check(s, data)
	if !known && apiVersion != "" && kind != "" && !coveredBy([]string{"kind"}, problems) && !coveredBy([]string{"apiVersion"}, problems) {
		problems = append(problems, v.unknownKind(doc.Entity))
	}
	return fieldErrors(doc, data, problems)
}

// acquire takes an instance from the pool, building one if fewer than
// GOMAXPROCS exist.
func (v *Validator) acquire() (*instance, error) {
	select {
	case in := <-v.pool:
		return in, nil
	default:
	}
	v.mu.Lock()
	if v.created < cap(v.pool) {
		v.created++
		v.mu.Unlock()
		in, err := buildInstance(v.opts)
		if err != nil {
			v.mu.Lock()
			v.created--
			v.mu.Unlock()
		}
		return in, err
	}
	v.mu.Unlock()
	return <-v.pool, nil
}

// release returns an instance to the pool, rebuilding it once it has
// served recycleAfter validations.
func (v *Validator) release(in *instance) {
	in.uses++
	if in.uses >= recycleAfter {
		if fresh, err := buildInstance(v.opts); err == nil {
			in = fresh
		}
	}
	v.pool <- in
}

// unknownKind is Backstage's error for an entity no kind validator accepts,
// with the kinds Stackyard knows.
func (v *Validator) unknownKind(e model.Entity) problem {
	msg := fmt.Sprintf("No processor recognized the entity %s as valid, possibly caused by a foreign kind or apiVersion", e.Ref())
	kind := e.Kind()
	if versions, ok := v.kinds[kind]; ok {
		return problem{path: []string{"apiVersion"}, msg: fmt.Sprintf("%s; kind %s needs apiVersion %s", msg, kind, strings.Join(versions, " or "))}
	}
	names := make([]string, 0, len(v.kinds))
	for k := range v.kinds {
		names = append(names, k)
		if strings.EqualFold(k, kind) {
			msg += fmt.Sprintf("; kinds are case-sensitive: did you mean %q?", k)
		}
	}
	sort.Strings(names)
	return problem{path: []string{"kind"}, msg: fmt.Sprintf("%s; the known kinds are %s", msg, strings.Join(names, ", "))}
}

// fieldErrors places the problems in the document and sorts them.
func fieldErrors(doc parse.Document, data map[string]any, problems []problem) []errs.FieldError {
	if len(problems) == 0 {
		return nil
	}
	out := make([]errs.FieldError, len(problems))
	for i, p := range problems {
		line, col := doc.Position(p.path)
		out[i] = errs.FieldError{File: doc.File, Line: line, Column: col, Path: dotted(data, p.path), Message: p.msg}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Path < b.Path
	})
	return out
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// dotted writes a path as people read it: spec.lifecycle, metadata.tags[1],
// metadata.annotations["backstage.io/source-template"].
func dotted(data map[string]any, path []string) string {
	var b strings.Builder
	var cur any = data
	for _, elem := range path {
		list, isList := cur.([]any)
		switch {
		case isList:
			b.WriteString("[" + elem + "]")
		case identifier.MatchString(elem):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(elem)
		default:
			b.WriteString("[" + strconv.Quote(elem) + "]")
		}
		if isList {
			if i, ok := index(elem, len(list)); ok {
				cur = list[i]
				continue
			}
			cur = nil
			continue
		}
		m, _ := cur.(map[string]any)
		cur = m[elem]
	}
	return b.String()
}
