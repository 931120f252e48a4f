package scaffolder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// TemplateAPIVersion is the only template apiVersion the scaffolder runs.
const TemplateAPIVersion = "scaffolder.backstage.io/v1beta3"

// Template is a v1beta3 Template entity.
type Template struct {
	Entity model.Entity
	// Order is the author's key order (nil when unknown): form fields are
	// drawn in the order of a page's properties.
	Order *model.KeyOrder
}

// LoadTemplate reads a template from the catalog.
func (s *Service) LoadTemplate(ctx context.Context, ref model.EntityRef) (*Template, error) {
	if !strings.EqualFold(ref.Kind, "template") {
		return nil, errs.Input("Invalid kind, only 'Template' kind is supported")
	}
	data, err := s.catalog.ByName(ctx, ref)
	if errors.Is(err, errs.ErrNotFound) {
		return nil, errs.NotFound("Template %s not found", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("load template %s: %w", ref, err)
	}
	var e model.Entity
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode template %s: %w", ref, err)
	}
	t, err := ParseTemplate(e)
	if err != nil {
		return nil, err
	}
	t.Order = model.OrderOf(data)
	return t, nil
}

// ParseTemplate checks that e is a v1beta3 Template.
func ParseTemplate(e model.Entity) (*Template, error) {
	if !strings.EqualFold(e.Kind(), "template") {
		return nil, errs.Input("Input template is not a template")
	}
	if e.APIVersion() != TemplateAPIVersion {
		return nil, errs.Input("Template %s has unsupported apiVersion '%s', expected %s", e.Ref(), e.APIVersion(), TemplateAPIVersion)
	}
	if _, ok := e.Spec()["steps"].([]any); !ok && e.Spec()["steps"] != nil {
		return nil, errs.Input("Template %s has invalid spec.steps", e.Ref())
	}
	return &Template{Entity: e}, nil
}

// Pages returns spec.parameters as a list of pages.
func (t *Template) Pages() []map[string]any {
	switch p := t.Entity.Spec()["parameters"].(type) {
	case map[string]any:
		return []map[string]any{p}
	case []any:
		out := make([]map[string]any, 0, len(p))
		for _, item := range p {
			if m, ok := item.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// pageOrder returns the key order of page i of spec.parameters.
func (t *Template) pageOrder(i int) *model.KeyOrder {
	params := t.Order.Child("spec").Child("parameters")
	if _, single := t.Entity.Spec()["parameters"].(map[string]any); single {
		return params
	}
	return params.ItemAt(i)
}

// Steps returns the normalised, unrendered steps: a missing id becomes
// step-<n> and a missing name the action.
func (t *Template) Steps() []tasks.Step {
	raw, _ := t.Entity.Spec()["steps"].([]any)
	out := make([]tasks.Step, 0, len(raw))
	for i, item := range raw {
		m, _ := item.(map[string]any)
		st := tasks.Step{If: m["if"], Each: m["each"], Permissions: m["backstage:permissions"]}
		st.ID, _ = m["id"].(string)
		st.Name, _ = m["name"].(string)
		st.Action, _ = m["action"].(string)
		st.Input, _ = m["input"].(map[string]any)
		if st.ID == "" {
			st.ID = fmt.Sprintf("step-%d", i+1)
		}
		if st.Name == "" {
			st.Name = st.Action
		}
		out = append(out, st)
	}
	return out
}

// SchemaStep is one page of the parameter schema response.
type SchemaStep struct {
	Title       string          `json:"title"`
	Description string          `json:"description,omitempty"`
	When        any             `json:"when,omitempty"`
	Schema      json.RawMessage `json:"schema"`
}

// ParameterSchema is the body of GET …/parameter-schema.
type ParameterSchema struct {
	Title          string       `json:"title"`
	Description    string       `json:"description,omitempty"`
	UIOptions      any          `json:"ui:options,omitempty"`
	Presentation   any          `json:"presentation,omitempty"`
	Steps          []SchemaStep `json:"steps"`
	FormDecorators any          `json:"formDecorators,omitempty"`
}

// ParameterSchema returns the form of the template at ref.
func (s *Service) ParameterSchema(ctx context.Context, ref model.EntityRef) (ParameterSchema, error) {
	t, err := s.LoadTemplate(ctx, ref)
	if err != nil {
		return ParameterSchema{}, err
	}
	md, spec := t.Entity.Metadata(), t.Entity.Spec()
	out := ParameterSchema{Title: t.Entity.Name(), UIOptions: md["ui:options"], Presentation: spec["presentation"],
		FormDecorators: spec["formDecorators"], Steps: []SchemaStep{}}
	if title, _ := md["title"].(string); title != "" {
		out.Title = title
	}
	out.Description, _ = md["description"].(string)
	if out.FormDecorators == nil {
		out.FormDecorators = spec["EXPERIMENTAL_formDecorators"]
	}
	for i, page := range t.Pages() {
		step := SchemaStep{Title: "Please enter the following information", When: page["when"]}
		if title, _ := page["title"].(string); title != "" {
			step.Title = title
		}
		step.Description, _ = page["description"].(string)
		schema := make(map[string]any, len(page))
		for k, v := range page {
			if k != "when" {
				schema[k] = v
			}
		}
		if step.Schema, err = model.MarshalOrdered(schema, t.pageOrder(i)); err != nil {
			return ParameterSchema{}, err
		}
		out.Steps = append(out.Steps, step)
	}
	return out, nil
}

// baseURL is where relative fetch URLs resolve: the template's source
// location, else the location that manages it.
func baseURL(e model.Entity) string {
	loc := e.Annotation(model.AnnotationSourceLocation)
	if loc == "" {
		loc = e.Annotation(model.AnnotationManagedByLocation)
	}
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return ""
	}
	switch typ {
	case "file":
		return "file://" + target
	case "url":
		return target
	}
	return ""
}
