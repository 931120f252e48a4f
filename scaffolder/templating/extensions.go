package templating

// FilterDoc describes one filter for GET /v2/templating-extensions.
type FilterDoc struct {
	Description string           `json:"description,omitempty"`
	Examples    []map[string]any `json:"examples,omitempty"`
	Schema      map[string]any   `json:"schema,omitempty"`
}

// Extensions lists Backstage's filters with their documentation, and the
// Nunjucks filters Stackyard adds, as the templating-extensions endpoint
// serves them.
func Extensions() map[string]FilterDoc {
	str := map[string]any{"type": "string"}
	return map[string]FilterDoc{
		"parseRepoUrl": {
			Description: "Parses a repository URL into its components, such as owner, repository name, and more.",
			Examples: []map[string]any{{
				"description": "Parse a GitHub repository URL",
				"example":     "- id: log\n  name: Parse Repo URL\n  action: debug:log\n  input:\n    extra: ${{ parameters.repoUrl | parseRepoUrl }}\n",
				"notes":       "- **Input**: `github.com?repo=backstage&owner=backstage`\n- **Output**: `{\"host\":\"github.com\",\"owner\":\"backstage\",\"repo\":\"backstage\"}`",
			}},
			Schema: map[string]any{"input": str, "output": map[string]any{"type": "object", "properties": map[string]any{
				"repo": str, "host": str, "owner": str, "organization": str, "workspace": str, "project": str},
				"required": []string{"repo", "host"}}},
		},
		"parseEntityRef": {
			Description: "Extracts the parts of an entity reference, such as the kind, namespace, and name.",
			Examples: []map[string]any{{
				"description": "Without context",
				"example":     "- id: log\n  name: Parse Entity Reference\n  action: debug:log\n  input:\n    extra: ${{ parameters.owner | parseEntityRef }}\n",
			}},
			Schema: map[string]any{"input": str, "arguments": []any{map[string]any{"type": "object", "properties": map[string]any{
				"defaultKind": str, "defaultNamespace": str}}},
				"output": map[string]any{"type": "object", "properties": map[string]any{"kind": str, "namespace": str, "name": str},
					"required": []string{"kind", "namespace", "name"}}},
		},
		"pick": {
			Description: "Selects a specific property (kind, namespace, name) from an object.",
			Examples: []map[string]any{{
				"description": "Pick the name",
				"example":     "- id: log\n  name: Pick\n  action: debug:log\n  input:\n    extra: ${{ parameters.owner | parseEntityRef | pick('name') }}\n",
			}},
			Schema: map[string]any{"input": map[string]any{"type": "object"}, "arguments": []any{str}, "output": map[string]any{}},
		},
		"projectSlug": {
			Description: "Generates a project slug from a repository URL",
			Examples: []map[string]any{{
				"description": "Generate project slug",
				"example":     "- id: log\n  name: Project Slug\n  action: debug:log\n  input:\n    extra: ${{ parameters.repoUrl | projectSlug }}\n",
			}},
			Schema: map[string]any{"input": str, "output": str},
		},
		"dump":  {Description: "Serialises a value as JSON, optionally indented (Nunjucks dump)."},
		"json":  {Description: "Serialises a value as compact JSON."},
		"nl2br": {Description: "Replaces new lines with <br /> (Nunjucks nl2br)."},
	}
}
