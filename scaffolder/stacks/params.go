package stacks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"cuelang.org/go/cue"
)

// Param is one field of a template's parameters, read once at compile time.
type Param struct {
	// Name is the field name.
	Name string `json:"name"`
	// Required is set for name! fields: the owner must give a value.
	Required bool `json:"required,omitempty"`
	// Default is the template's default, when HasDefault.
	Default    any  `json:"default,omitempty"`
	HasDefault bool `json:"hasDefault,omitempty"`
	// Secret is set by @secret(): the value is never stored with the stack.
	Secret bool `json:"secret,omitempty"`
	// Page is the form page, from @ui(page=...); empty means the first.
	Page string `json:"page,omitempty"`
	// Repo is where the value shows up in the rendered files, from
	// @repo(file=..., path=...); the upgrade planner reads the owner's
	// edits there.
	Repo *RepoBinding `json:"repo,omitempty"`
	// Schema is the field's JSON Schema, with ui: hints.
	Schema Object `json:"schema"`
}

// RepoBinding names a value inside a rendered YAML or JSON file.
type RepoBinding struct {
	// File is the path of the file in the stack repository.
	File string `json:"file"`
	// Path is a dotted path inside the file, such as spec.replicas.
	Path string `json:"path"`
}

// readParams reads the fields of the parameters value in order.
func readParams(v cue.Value) ([]Param, error) {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil, err
	}
	var out []Param
	for it.Next() {
		sel := it.Selector()
		if sel.IsDefinition() || sel.PkgPath() != "" {
			continue
		}
		p, err := readParam(sel, it.Value())
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", sel.Unquoted(), err)
		}
		out = append(out, p)
	}
	return out, nil
}

// readParam reads one parameter: its default, attributes and schema.
func readParam(sel cue.Selector, v cue.Value) (Param, error) {
	p := Param{Name: sel.Unquoted(), Required: sel.ConstraintType() == cue.RequiredConstraint}
	if d, ok := concreteDefault(v); ok {
		p.Default, p.HasDefault = d, true
	}
	ui, err := uiHints(v)
	if err != nil {
		return Param{}, err
	}
	if page, ok := ui.Get("page"); ok {
		p.Page, _ = page.(string)
	}
	secret := v.Attribute("secret")
	p.Secret = secret.Err() == nil
	if repo := v.Attribute("repo"); repo.Err() == nil {
		file, _, _ := repo.Lookup(0, "file")
		at, _, _ := repo.Lookup(0, "path")
		if file == "" || at == "" {
			return Param{}, fmt.Errorf("@repo needs file= and path=")
		}
		p.Repo = &RepoBinding{File: file, Path: at}
	}
	p.Schema = schemaOf(v, 0)
	if p.HasDefault {
		p.Schema.Set("default", p.Default)
	}
	applyUI(&p.Schema, ui, p.Secret)
	p.Schema = ordered(p.Schema)
	return p, nil
}

// keyRank orders the keys of a field schema the way people write them.
var keyRank = map[string]int{"title": 0, "description": 1, "type": 2, "enum": 3, "default": 4}

// ordered sorts a field schema's keys: title, description, type, enum and
// default first, constraints and nested schemas next, ui: hints last.
func ordered(o Object) Object {
	rank := func(k string) int {
		if r, ok := keyRank[k]; ok {
			return r
		}
		if strings.HasPrefix(k, "ui:") {
			return 9
		}
		return 5
	}
	out := append(Object(nil), o...)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Key) < rank(out[j].Key) })
	return out
}

// concreteDefault returns the default of v, or v itself when concrete.
func concreteDefault(v cue.Value) (any, bool) {
	d, _ := v.Default()
	if d.Validate(cue.Concrete(true)) != nil {
		return nil, false
	}
	b, err := d.MarshalJSON()
	if err != nil {
		return nil, false
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil, false
	}
	return out, true
}

// uiHints reads @ui(key=value, flag, ...) in order.
func uiHints(v cue.Value) (Object, error) {
	a := v.Attribute("ui")
	if a.Err() != nil {
		return nil, nil
	}
	var o Object
	for i := 0; i < a.NumArgs(); i++ {
		k, val := a.Arg(i)
		k = strings.TrimSpace(k)
		switch {
		case k == "":
			continue
		case val == "" && !strings.Contains(a.RawArg(i), "="):
			o.Set(k, true)
		case k == "options":
			var opts any
			if err := json.Unmarshal([]byte(val), &opts); err != nil {
				return nil, fmt.Errorf("@ui(options=...) is not JSON: %w", err)
			}
			o.Set(k, opts)
		default:
			o.Set(k, val)
		}
	}
	return o, nil
}

// applyUI adds title and the ui: keys of the hints to a field schema.
func applyUI(s *Object, ui Object, secret bool) {
	for _, m := range ui {
		switch m.Key {
		case "page":
		case "title", "description":
			s.Set(m.Key, m.Value)
		default:
			s.Set("ui:"+m.Key, m.Value)
		}
	}
	if _, ok := s.Get("ui:widget"); secret && !ok {
		s.Set("ui:widget", "password")
	}
}
