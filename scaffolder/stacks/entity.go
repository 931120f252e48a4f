package stacks

import (
	"encoding/json"
	"strings"

	"github.com/stackyard/stackyard/catalog/model"
)

// Annotations of the Template entity of a stack template.
const (
	// AnnotationVersion is the version the Template entity publishes.
	AnnotationVersion = "stackyard.dev/template-version"
	// AnnotationDigest is that version's content digest.
	AnnotationDigest = "stackyard.dev/template-digest"
)

// LaunchAction is the scaffolder action that launches a stack; the
// Template entity of a stack template runs it as its only step.
const LaunchAction = "stackyard:stack:launch"

// TemplateEntity is the Backstage Template entity (v1beta3) that publishes
// this version in the catalog, so the stock Create page lists it: its
// parameters are the pages of the exported JSON Schema, and its one step
// hands the form's values to LaunchAction, where CUE has the final word.
func (t *Template) TemplateEntity() model.Entity {
	pages := make([]any, 0, len(t.params))
	for _, p := range t.Pages() {
		pages = append(pages, jsonValueOf(p))
	}
	tags := make([]any, 0, len(t.Tags))
	for _, tag := range t.Tags {
		tags = append(tags, tag)
	}
	annotations := map[string]any{AnnotationVersion: t.Version, AnnotationDigest: t.Digest}
	if len(t.Launchers) > 0 {
		annotations[model.AnnotationLaunchers] = strings.Join(t.Launchers, ", ")
	}
	return model.Entity{
		"apiVersion": "scaffolder.backstage.io/v1beta3",
		"kind":       "Template",
		"metadata": map[string]any{
			"name":        t.Name,
			"title":       t.Title,
			"description": t.Description,
			"tags":        tags,
			// Not backstage.io/template-version: the catalog policy reads
			// that as "created from a template" and asks for the ref too.
			"annotations": annotations,
		},
		"spec": map[string]any{
			"type":       t.Type,
			"owner":      t.Owner,
			"parameters": pages,
			"steps": []any{map[string]any{
				"id":     "launch",
				"name":   "Launch the stack",
				"action": LaunchAction,
				"input": map[string]any{
					"template": t.Name,
					"version":  t.Version,
					"values":   "${{ parameters }}",
				},
			}},
			"output": map[string]any{
				"links": []any{map[string]any{"title": "Repository", "url": "${{ steps.launch.output.remoteUrl }}"}},
			},
		},
	}
}

// jsonValueOf turns an Object into plain JSON values, keeping what
// encoding/json would produce for it.
func jsonValueOf(o Object) any {
	b, err := json.Marshal(o)
	if err != nil {
		return map[string]any{}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return map[string]any{}
	}
	return out
}
