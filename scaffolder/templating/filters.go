package templating

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/stackyard/stackyard/catalog/model"
)

// builtinFilters are the filters Stackyard adds to gonja's Jinja set: the
// internal rewrite filters, the Nunjucks names Jinja lacks or spells
// differently, and Backstage's own filters.
func builtinFilters() map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		filterStr:     strFilter,
		filterCapture: captureFilter,
		filterGuard:   guardFilter,
		"dump":        dumpFilter,
		"json":        jsonFilter,
		"string": func(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
			return exec.AsValue(jsString(in))
		},
		"nl2br":          nl2brFilter,
		"parseRepoUrl":   parseRepoURLFilter,
		"parseEntityRef": parseEntityRefFilter,
		"pick":           pickFilter,
		"projectSlug":    projectSlugFilter,
	}
}

func goValue(v *exec.Value) (any, error) {
	g := v.ToGoSimpleType(false)
	if err, ok := g.(error); ok {
		return nil, err
	}
	return g, nil
}

// dumpFilter is Nunjucks' dump: JSON.stringify(value, null, spaces).
func dumpFilter(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	v, err := goValue(in)
	if err != nil {
		return exec.AsValue(err)
	}
	var out []byte
	if len(params.Args) > 0 && params.Args[0].IsInteger() && params.Args[0].Integer() > 0 {
		out, err = json.MarshalIndent(v, "", strings.Repeat(" ", min(params.Args[0].Integer(), 10)))
	} else if len(params.Args) > 0 && params.Args[0].IsString() {
		out, err = json.MarshalIndent(v, "", params.Args[0].String())
	} else {
		out, err = json.Marshal(v)
	}
	if err != nil {
		return exec.AsValue(fmt.Errorf("dump: %w", err))
	}
	return exec.AsSafeValue(string(out))
}

// jsonFilter is dump without indentation.
func jsonFilter(e *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	return dumpFilter(e, in, exec.NewVarArgs())
}

func nl2brFilter(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	return exec.AsSafeValue(strings.NewReplacer("\r\n", "<br />\n", "\n", "<br />\n").Replace(in.String()))
}

// RepoURL is a parsed RepoUrlPicker value.
type RepoURL struct {
	Host         string
	Owner        string
	Repo         string
	Organization string
	Workspace    string
	Project      string
}

// Map returns the fields that are set, under Backstage's names.
func (r RepoURL) Map() map[string]any {
	m := map[string]any{"host": r.Host}
	for k, v := range map[string]string{"owner": r.Owner, "repo": r.Repo, "organization": r.Organization,
		"workspace": r.Workspace, "project": r.Project} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// ParseRepoURL parses "host?owner=o&repo=r", the RepoUrlPicker format.
func ParseRepoURL(s string) (RepoURL, error) {
	u, err := url.Parse("https://" + s)
	if err != nil || u.Host == "" {
		return RepoURL{}, fmt.Errorf("invalid repo URL passed to publisher: %s", s)
	}
	q := u.Query()
	r := RepoURL{Host: u.Host, Owner: q.Get("owner"), Repo: q.Get("repo"), Organization: q.Get("organization"),
		Workspace: q.Get("workspace"), Project: q.Get("project")}
	if r.Repo == "" {
		return RepoURL{}, fmt.Errorf("invalid repo URL passed to publisher: %s, missing repo", s)
	}
	return r, nil
}

func parseRepoURLFilter(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	r, err := ParseRepoURL(in.String())
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(r.Map())
}

func projectSlugFilter(_ *exec.Evaluator, in *exec.Value, _ *exec.VarArgs) *exec.Value {
	r, err := ParseRepoURL(in.String())
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(r.Owner + "/" + r.Repo)
}

// parseEntityRefFilter parses an entity ref; its optional argument is
// {defaultKind, defaultNamespace}.
func parseEntityRefFilter(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	kind, ns := "", ""
	if len(params.Args) > 0 && params.Args[0].IsDict() {
		if v, ok := params.Args[0].GetItem("defaultKind"); ok && v.IsString() {
			kind = v.String()
		}
		if v, ok := params.Args[0].GetItem("defaultNamespace"); ok && v.IsString() {
			ns = v.String()
		}
	}
	if v, ok := params.KwArgs["defaultKind"]; ok {
		kind = v.String()
	}
	if v, ok := params.KwArgs["defaultNamespace"]; ok {
		ns = v.String()
	}
	ref, err := model.ParseRef(in.String(), kind, ns)
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(map[string]any{"kind": ref.Kind, "namespace": ref.Namespace, "name": ref.Name})
}

// pickFilter is lodash get: value | pick('a.b.c').
func pickFilter(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	if len(params.Args) == 0 {
		return exec.AsValue(fmt.Errorf("pick needs a path"))
	}
	cur := in
	for _, part := range strings.Split(params.Args[0].String(), ".") {
		if cur.IsNil() {
			return exec.AsValue(nil)
		}
		next, ok := cur.GetItem(part)
		if !ok || next.IsError() {
			return exec.AsValue(nil)
		}
		cur = next
	}
	return cur
}

// sizeArgFilters are the Jinja filters whose numeric arguments size their
// result (center(1e9) would build a gigabyte).
var sizeArgFilters = []string{"center", "indent", "wordwrap", "batch", "format"}

// maxSizeArg bounds those arguments.
const maxSizeArg = 1024

var formatWidth = regexp.MustCompile(`%[-+# 0]*(\d+)`)

// guardSizeArgs wraps fn so that it refuses outsized numeric arguments,
// and format strings with outsized widths.
func guardSizeArgs(name string, fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		args := append([]*exec.Value{}, params.Args...)
		for _, v := range params.KwArgs {
			args = append(args, v)
		}
		if name == "format" {
			args = append(args, in)
		}
		fail := func(err error) *exec.Value {
			if rt := runtimeOf(e); rt != nil {
				rt.stop(err)
			}
			return exec.AsValue(err)
		}
		for _, a := range args {
			if a.IsNumber() && (a.Float() > maxSizeArg || a.Float() < -maxSizeArg) {
				return fail(fmt.Errorf("filter %s: argument %v is larger than %d: %w", name, a.Float(), maxSizeArg, ErrLimit))
			}
			if a.IsString() {
				for _, m := range formatWidth.FindAllStringSubmatch(a.String(), -1) {
					if n, _ := strconv.Atoi(m[1]); n > maxSizeArg || len(m[1]) > 5 {
						return fail(fmt.Errorf("filter %s: width %s is larger than %d: %w", name, m[1], maxSizeArg, ErrLimit))
					}
				}
			}
		}
		return fn(e, in, params)
	}
}
