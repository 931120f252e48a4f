package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

// catalogRegister is catalog:register.
type catalogRegister struct{ catalog Catalog }

var _ Action = catalogRegister{}

func (catalogRegister) Describe() Description {
	return Description{
		ID:          "catalog:register",
		Description: "Registers entities from a catalog descriptor file in the workspace into the software catalog.",
		Examples: []Example{{Description: "Register with the catalog",
			Example: "steps:\n  - action: catalog:register\n    id: register-with-catalog\n    name: Register with the catalog\n    input:\n      catalogInfoUrl: http://github.com/backstage/backstage/blob/master/catalog-info.yaml\n"}},
		Input: map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#",
			"anyOf": []any{
				Schema(map[string]any{
					"catalogInfoUrl": prop("string", "An absolute URL pointing to the catalog info file location"),
					"optional":       prop("boolean", "Permit the registered location to optionally exist. Default: false"),
				}, "catalogInfoUrl"),
				Schema(map[string]any{
					"repoContentsUrl": prop("string", "An absolute URL pointing to the root of a repository directory tree"),
					"catalogInfoPath": prop("string", "A relative path from the repo root pointing to the catalog info file, defaults to /catalog-info.yaml"),
					"optional":        prop("boolean", "Permit the registered location to optionally exist. Default: false"),
				}, "repoContentsUrl"),
			},
		},
		Output: Schema(map[string]any{
			"entityRef":      prop("string", "The entity ref of the registered entity"),
			"catalogInfoUrl": prop("string", "The URL of the registered catalog info file"),
		}),
	}
}

func (a catalogRegister) Run(ctx context.Context, ac *Context) error {
	if a.catalog == nil {
		return errs.Input("catalog:register needs a catalog")
	}
	target := inputString(ac.Input, "catalogInfoUrl", "")
	if target == "" {
		repo := strings.TrimRight(inputString(ac.Input, "repoContentsUrl", ""), "/")
		target = repo + "/" + strings.TrimLeft(inputString(ac.Input, "catalogInfoPath", "/catalog-info.yaml"), "/")
	}
	optional := inputBool(ac.Input, "optional")
	ac.Logf("Registering %s in the catalog", target)
	if _, err := a.catalog.AddLocation(ctx, target, false); err != nil && !errors.Is(err, errs.ErrConflict) {
		return fmt.Errorf("register %s: %w", target, err)
	}
	entities, err := a.catalog.AddLocation(ctx, target, true)
	if err != nil && !optional {
		return fmt.Errorf("read %s: %w", target, err)
	}
	if ref := pickRegistered(entities); ref != "" {
		ac.Output("entityRef", ref)
	}
	ac.Output("catalogInfoUrl", target)
	return nil
}

// pickRegistered returns the ref of the first entity that is not a
// generated Location, as Backstage does.
func pickRegistered(entities []json.RawMessage) string {
	var first string
	for _, raw := range entities {
		var e model.Entity
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		ref := e.Ref().String()
		if first == "" {
			first = ref
		}
		if !strings.EqualFold(e.Kind(), "location") && !strings.HasPrefix(e.Name(), "generated-") {
			return ref
		}
	}
	return first
}

// catalogWrite is catalog:write.
type catalogWrite struct{}

var _ Action = catalogWrite{}

func (catalogWrite) Describe() Description {
	return Description{
		ID:          "catalog:write",
		Description: "Writes the catalog-info.yaml for your template",
		Examples: []Example{{Description: "Write a catalog yaml file",
			Example: "steps:\n  - action: catalog:write\n    id: create-catalog-info-file\n    name: Create catalog file\n    input:\n      entity:\n        apiVersion: backstage.io/v1alpha1\n        kind: Component\n        metadata:\n          name: test\n          annotations: {}\n        spec:\n          type: service\n          lifecycle: production\n          owner: default/owner\n"}},
		Input: Schema(map[string]any{
			"filePath": prop("string", "Defaults to catalog-info.yaml"),
			"entity":   map[string]any{"type": "object", "description": "You can provide the same values used in the Entity schema."},
		}, "entity"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (catalogWrite) Run(_ context.Context, ac *Context) error {
	ac.Logf("Writing catalog-info.yaml")
	entity, _ := ac.Input["entity"].(map[string]any)
	e := model.Entity(entity)
	if ac.TemplateInfo.EntityRef != "" {
		e.SetAnnotation(model.AnnotationSourceTemplate, ac.TemplateInfo.EntityRef)
		if v := templateVersion(ac.TemplateInfo.Entity); v != "" {
			e.SetAnnotation(model.AnnotationTemplateVersion, v)
		}
	}
	path, err := SafeJoin(ac.Workspace, inputString(ac.Input, "filePath", "catalog-info.yaml"))
	if err != nil {
		return err
	}
	data, err := yaml.Marshal(map[string]any(e))
	if err != nil {
		return fmt.Errorf("catalog:write: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("catalog:write: %w", err)
	}
	return os.WriteFile(path, data, 0o644)
}

// templateVersion is the template's own template-version annotation, else
// its etag, which changes with every change of the template.
func templateVersion(entity map[string]any) string {
	md, _ := entity["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if v, _ := ann[model.AnnotationTemplateVersion].(string); v != "" {
		return v
	}
	v, _ := md["etag"].(string)
	return v
}

// catalogFetch is catalog:fetch.
type catalogFetch struct{ catalog Catalog }

var _ Action = catalogFetch{}

func (catalogFetch) Describe() Description {
	return Description{
		ID:          "catalog:fetch",
		Description: "Returns entity or entities from the catalog by entity reference(s)",
		Examples: []Example{{Description: "Fetch entity by reference",
			Example: "steps:\n  - action: catalog:fetch\n    id: fetch\n    name: Fetch catalog entity\n    input:\n      entityRef: component:default/name\n"}},
		Input: Schema(map[string]any{
			"entityRef":        prop("string", "Entity reference of the entity to get"),
			"entityRefs":       stringList("Entity references of the entities to get"),
			"optional":         prop("boolean", "Allow the entity or entities to optionally exist. Default: false"),
			"defaultKind":      prop("string", "The default kind"),
			"defaultNamespace": prop("string", "The default namespace"),
		}),
		Output: Schema(map[string]any{
			"entity":   map[string]any{"description": "Object containing same values used in the Entity schema. Only when used with `entityRef` parameter."},
			"entities": map[string]any{"type": "array"},
		}),
		SupportsDryRun: true,
	}
}

func (a catalogFetch) Run(ctx context.Context, ac *Context) error {
	if a.catalog == nil {
		return errs.Input("catalog:fetch needs a catalog")
	}
	optional := inputBool(ac.Input, "optional")
	kind, ns := inputString(ac.Input, "defaultKind", ""), inputString(ac.Input, "defaultNamespace", "")
	if ref := inputString(ac.Input, "entityRef", ""); ref != "" {
		e, err := a.fetch(ctx, ref, kind, ns)
		if err != nil && !(optional && errors.Is(err, errs.ErrNotFound)) {
			return err
		}
		ac.Output("entity", e)
	}
	if refs, ok := ac.Input["entityRefs"].([]any); ok {
		out := make([]any, 0, len(refs))
		for _, r := range refs {
			s, _ := r.(string)
			e, err := a.fetch(ctx, s, kind, ns)
			if err != nil && !(optional && errors.Is(err, errs.ErrNotFound)) {
				return err
			}
			out = append(out, e)
		}
		ac.Output("entities", out)
	}
	return nil
}

func (a catalogFetch) fetch(ctx context.Context, s, kind, ns string) (map[string]any, error) {
	ref, err := model.ParseRef(s, kind, ns)
	if err != nil {
		return nil, err
	}
	data, err := a.catalog.ByName(ctx, ref)
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return nil, errs.NotFound("Entity %s not found", ref)
		}
		return nil, err
	}
	var e map[string]any
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode entity %s: %w", ref, err)
	}
	return e, nil
}
