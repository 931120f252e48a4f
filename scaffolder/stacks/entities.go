package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"cuelang.org/go/cue"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
	"github.com/stackyard/stackyard/internal/errs"
)

// renderEntities exports the entities, adds what Stackyard owns on them
// and, with a validator, checks them against the catalog schemas: invalid
// reports those problems, placed at the entity in the template source; err
// is for entities that cannot be rendered at all.
func (t *Template) renderEntities(v cue.Value, r *Result, ns string, size int) (out []model.Entity, invalid, err error) {
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return nil, nil, cueError("render entities", err)
	}
	it, err := v.List()
	if err != nil {
		return nil, nil, cueError("render entities", err)
	}
	var problems []errs.FieldError
	for i := 0; it.Next(); i++ {
		raw, err := it.Value().MarshalJSON()
		if err != nil {
			return nil, nil, cueError("render entities", err)
		}
		if size += len(raw); size > t.opts.MaxOutputBytes {
			return nil, nil, errs.Input("render entities: more than the limit of %d bytes", t.opts.MaxOutputBytes)
		}
		var e model.Entity
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, nil, fmt.Errorf("render entities: %w", err)
		}
		t.decorate(e, r, ns)
		problems = append(problems, t.validateEntity(i, e)...)
		out = append(out, e)
	}
	if len(problems) > 0 {
		return out, validationError("render entities", problems), nil
	}
	return out, nil, nil
}

// decorate sets what Stackyard owns on an entity of the stack: the owner
// and lifecycle from the values, the namespace when the entity names none,
// and the annotations backstage.io/source-template,
// backstage.io/template-version and stackyard.dev/stack.
func (t *Template) decorate(e model.Entity, r *Result, ns string) {
	owner, _ := r.Resolved["owner"].(string)
	lifecycle, _ := r.Resolved["lifecycle"].(string)
	md := e.Metadata()
	if md == nil {
		md = map[string]any{}
		e["metadata"] = md
	}
	if _, ok := md["namespace"]; !ok && ns != model.DefaultNamespace {
		md["namespace"] = ns
	}
	spec := e.Spec()
	if spec == nil {
		spec = map[string]any{}
	}
	kind := strings.ToLower(e.Kind())
	if model.IsOwnedKind(kind) && kind != "template" && owner != "" {
		spec["owner"] = owner
	}
	if (kind == "component" || kind == "api") && lifecycle != "" {
		spec["lifecycle"] = lifecycle
	}
	if len(spec) > 0 {
		e["spec"] = spec
	}
	e.SetAnnotation(model.AnnotationSourceTemplate, t.Ref())
	e.SetAnnotation(model.AnnotationTemplateVersion, t.Version)
	e.SetAnnotation(model.AnnotationStack, r.Stack)
}

// validateEntity checks one entity with the catalog schemas; the errors
// are placed at the entity in the template and their paths say which one.
func (t *Template) validateEntity(i int, e model.Entity) []errs.FieldError {
	if t.opts.Validator == nil {
		return nil
	}
	found := t.opts.Validator.Validate(parse.Document{Entity: e})
	for j := range found {
		at := t.atPos("", "", cue.Str("entities"), cue.Index(i))
		found[j].File, found[j].Line, found[j].Column = at.File, at.Line, at.Column
		found[j].Path = fmt.Sprintf("entities[%d] (%s).%s", i, e.Ref(), found[j].Path)
	}
	return found
}
