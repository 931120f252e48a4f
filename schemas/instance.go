package schemas

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// kindKey identifies a schema in #Kinds.
type kindKey struct{ apiVersion, kind string }

// schema is one compiled entity schema.
type schema struct {
	value cue.Value
	// depth is the number of selectors of value's path; error paths start
	// with them.
	depth int
}

// instance is the catalog package compiled in one cue.Context. It is used
// by one goroutine at a time.
type instance struct {
	ctx     *cue.Context
	kinds   map[kindKey]schema
	unknown schema
	explain []explanation
	// sources holds the CUE source by file name, to read identifiers at
	// error positions.
	sources map[string][]byte
	// lifecycles is the #Lifecycles list in force.
	lifecycles []string
	uses       int
}

// explanation is the @explain message of a definition, with the source
// range of that definition; a failing constraint inside the range is
// explained by it.
type explanation struct {
	name       string // the definition, such as #ObjectName
	file       string
	start, end int
	msg        string
}

// buildInstance compiles the embedded CUE package with the options.
func buildInstance(opts Options) (*instance, error) {
	ctx := cuecontext.New()
	pkg, sources, err := loadPackage(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Lifecycles != nil {
		pkg = pkg.FillPath(cue.ParsePath("#Lifecycles"), opts.Lifecycles)
		if err := pkg.LookupPath(cue.ParsePath("#Lifecycles")).Err(); err != nil {
			return nil, fmt.Errorf("set lifecycles: %w", err)
		}
	}
	var lifecycles []string
	if err := pkg.LookupPath(cue.ParsePath("#Lifecycles")).Decode(&lifecycles); err != nil {
		return nil, fmt.Errorf("read lifecycles: %w", err)
	}
	var policy cue.Value
	if strings.TrimSpace(opts.Policy) != "" {
		f, err := parser.ParseFile(policyFile, opts.Policy)
		if err != nil {
			return nil, fmt.Errorf("compile policy: %s", describeCUEErrors(err))
		}
		// Validate, not Err: a policy may compare fields such as kind,
		// which are concrete only once it meets an entity.
		policy = ctx.BuildFile(f, cue.Scope(pkg), cue.InferBuiltins(true))
		if err := policy.Validate(); err != nil {
			return nil, fmt.Errorf("compile policy: %s", describeCUEErrors(err))
		}
	}
	sources[policyFile] = []byte(opts.Policy)
	in := &instance{ctx: ctx, kinds: map[kindKey]schema{}, lifecycles: lifecycles, sources: sources}
	if err := in.addKinds(pkg, policy); err != nil {
		return nil, err
	}
	in.explain = explanations(pkg)
	if policy.Exists() {
		in.explain = append(in.explain, explanations(policy)...)
	}
	return in, nil
}

// policyFile is the file name of Options.Policy in positions.
const policyFile = "policy"

// loadPackage builds CUE package catalog from the embedded files and
// returns it with the sources by file name.
func loadPackage(ctx *cue.Context) (cue.Value, map[string][]byte, error) {
	inst := build.NewContext().NewInstance("catalog", nil)
	files, err := fs.Glob(FS, "catalog/*.cue")
	if err != nil {
		return cue.Value{}, nil, err
	}
	sources := map[string][]byte{}
	for _, name := range files {
		src, err := fs.ReadFile(FS, name)
		if err != nil {
			return cue.Value{}, nil, err
		}
		if err := inst.AddFile(name, src); err != nil {
			return cue.Value{}, nil, fmt.Errorf("parse %s: %s", name, describeCUEErrors(err))
		}
		sources[name] = src
	}
	pkg := ctx.BuildInstance(inst)
	if err := pkg.Err(); err != nil {
		return cue.Value{}, nil, fmt.Errorf("build schemas: %s", describeCUEErrors(err))
	}
	return pkg, sources, nil
}

// addKinds reads #Kinds and #Unknown, each unified with the policy.
func (in *instance) addKinds(pkg, policy cue.Value) error {
	versions, err := pkg.LookupPath(cue.ParsePath("#Kinds")).Fields()
	if err != nil {
		return fmt.Errorf("read #Kinds: %w", err)
	}
	for versions.Next() {
		kinds, err := versions.Value().Fields()
		if err != nil {
			return fmt.Errorf("read #Kinds: %w", err)
		}
		for kinds.Next() {
			s, err := newSchema(kinds.Value(), policy)
			if err != nil {
				return err
			}
			in.kinds[kindKey{versions.Selector().Unquoted(), kinds.Selector().Unquoted()}] = s
		}
	}
	in.unknown, err = newSchema(pkg.LookupPath(cue.ParsePath("#Unknown")), policy)
	return err
}

// newSchema unifies a schema with the policy, if any, and checks that the
// two agree.
func newSchema(v, policy cue.Value) (schema, error) {
	s := schema{value: v, depth: len(v.Path().Selectors())}
	if policy.Exists() {
		s.value = v.Unify(policy)
		if err := s.value.Validate(); err != nil {
			return schema{}, fmt.Errorf("policy conflicts with %s: %s", v.Path(), describeCUEErrors(err))
		}
	}
	return s, nil
}

// explanations collects the @explain attributes of the definitions in v.
func explanations(v cue.Value) []explanation {
	var out []explanation
	it, err := v.Fields(cue.Definitions(true))
	if err != nil {
		return nil
	}
	for it.Next() {
		def := it.Value()
		a := def.Attribute("explain")
		if a.Err() != nil {
			continue
		}
		msg, err := a.String(0)
		src := def.Source()
		if err != nil || src == nil || !src.Pos().IsValid() {
			continue
		}
		out = append(out, explanation{
			name: it.Selector().String(),
			file: src.Pos().Filename(), start: src.Pos().Offset(), end: src.End().Offset(), msg: msg,
		})
	}
	// Innermost first, so that a nested definition wins over its container.
	sort.Slice(out, func(i, j int) bool { return out[i].end-out[i].start < out[j].end-out[j].start })
	return out
}

// explainAt returns the message of the innermost explained definition that
// contains one of the positions. A builtin validator such as net.AbsURL
// reports only the places that use the definition, so when every position
// is a reference to the same explained definition, that one explains it.
func (in *instance) explainAt(positions []token.Pos) (string, bool) {
	for _, x := range in.explain {
		for _, p := range positions {
			if p.IsValid() && p.Filename() == x.file && p.Offset() >= x.start && p.Offset() < x.end {
				return x.msg, true
			}
		}
	}
	var msg string
	for _, p := range positions {
		if !p.IsValid() {
			continue
		}
		x, ok := in.explainedRef(p)
		if !ok || (msg != "" && msg != x) {
			return "", false
		}
		msg = x
	}
	return msg, msg != ""
}

// explainedRef returns the message of the explained definition that the
// identifier at p refers to.
func (in *instance) explainedRef(p token.Pos) (string, bool) {
	name := in.identAt(p)
	for _, x := range in.explain {
		if name != "" && x.name == name {
			return x.msg, true
		}
	}
	return "", false
}

// identAt returns the identifier that starts at a position in the schema
// or policy source.
func (in *instance) identAt(p token.Pos) string {
	if !p.IsValid() {
		return ""
	}
	src, ok := in.sources[p.Filename()]
	if !ok || p.Offset() >= len(src) {
		return ""
	}
	end := p.Offset()
	for end < len(src) && isIdentByte(src[end]) {
		end++
	}
	return string(src[p.Offset():end])
}

func isIdentByte(c byte) bool {
	return c == '#' || c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// knownKinds lists the kinds of #Kinds with their apiVersions, sorted.
func (in *instance) knownKinds() map[string][]string {
	out := map[string][]string{}
	for k := range in.kinds {
		out[k.kind] = append(out[k.kind], k.apiVersion)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// describeCUEErrors renders CUE errors as "file:line:col: message" lines.
func describeCUEErrors(err error) string {
	var lines []string
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if p := e.Position(); p.IsValid() {
			msg = fmt.Sprintf("%s:%d:%d: %s", path.Clean(p.Filename()), p.Line(), p.Column(), msg)
		}
		lines = append(lines, msg)
	}
	return strings.Join(lines, "; ")
}
