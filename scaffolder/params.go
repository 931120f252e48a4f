package scaffolder

import (
	"context"
	"fmt"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/templating"
	"github.com/stackyard/stackyard/scaffolder/validate"
)

// ValuesError is a 400 whose body is {errors:[…]}, as Backstage answers
// form and secret validation failures.
type ValuesError struct {
	Errors []validate.Error
}

func (e *ValuesError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, v := range e.Errors {
		msgs[i] = v.Stack
	}
	return "invalid values: " + strings.Join(msgs, "; ")
}

// Is makes a ValuesError an input error.
func (e *ValuesError) Is(target error) bool { return target == errs.ErrInput }

// checkValues validates values against every visible page and returns the
// values without the keys that only hidden pages declare.
func (s *Service) checkValues(ctx context.Context, t *Template, values map[string]any) (map[string]any, error) {
	if values == nil {
		values = map[string]any{}
	}
	var fails []validate.Error
	visibleKeys, hiddenKeys := map[string]bool{}, map[string]bool{}
	current := values
	for _, page := range t.Pages() {
		schema := withoutKey(page, "when")
		if !s.pageVisible(ctx, page["when"], current) {
			for k := range propertiesOf(page) {
				hiddenKeys[k] = true
			}
			current = dropKeys(current, hiddenKeys, visibleKeys)
			continue
		}
		for k := range propertiesOf(page) {
			visibleKeys[k] = true
		}
		sch, err := validate.Compile(schema)
		if err != nil {
			return nil, errs.Input("Template parameter schema is invalid: %s", err)
		}
		fails = append(fails, sch.Validate(current)...)
	}
	if len(fails) > 0 {
		return nil, &ValuesError{Errors: fails}
	}
	return dropKeys(values, hiddenKeys, visibleKeys), nil
}

// pageVisible evaluates a page's when against {parameters: values}. A
// bare expression is wrapped in ${{ }}; an error counts as visible, an
// array as visible when it is not empty.
func (s *Service) pageVisible(ctx context.Context, when any, values map[string]any) bool {
	switch w := when.(type) {
	case nil:
		return true
	case bool:
		return w
	case string:
		src := w
		if !strings.Contains(src, "${{") {
			src = "${{ " + src + " }}"
		}
		v, err := s.engine.RenderValue(ctx, src, map[string]any{"parameters": values})
		if err != nil {
			return true
		}
		if str, ok := v.(string); ok && str == src {
			return true // render failed and left the string
		}
		return templating.Truthy(v)
	}
	return true
}

func propertiesOf(page map[string]any) map[string]any {
	p, _ := page["properties"].(map[string]any)
	return p
}

func withoutKey(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// dropKeys removes the hidden keys no visible page declares.
func dropKeys(values map[string]any, hidden, visible map[string]bool) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if hidden[k] && !visible[k] {
			continue
		}
		out[k] = v
	}
	return out
}

// checkSecrets validates secrets against spec.secrets.schema, wording
// failures as Backstage does: secrets.X is required.
func checkSecrets(t *Template, secrets map[string]string) error {
	sec, _ := t.Entity.Spec()["secrets"].(map[string]any)
	schema, _ := sec["schema"].(map[string]any)
	if schema == nil {
		return nil
	}
	sch, err := validate.Compile(schema)
	if err != nil {
		return errs.Input("Template secrets schema is invalid: %s", err)
	}
	inst := make(map[string]any, len(secrets))
	for k, v := range secrets {
		inst[k] = v
	}
	fails := sch.Validate(inst)
	if len(fails) == 0 {
		return nil
	}
	for i, f := range fails {
		f.Property = "secrets" + strings.TrimPrefix(f.Property, "instance")
		f.Instance = nil
		if f.Name == "required" {
			f.Message = fmt.Sprintf("secrets.%v is required", f.Argument)
		}
		f.Stack = f.Property + " " + f.Message
		fails[i] = f
	}
	return &ValuesError{Errors: fails}
}
