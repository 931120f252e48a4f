package actions

import (
	"context"
	"fmt"
	"os"
)

// fetchPlain is fetch:plain: copies a directory into the workspace.
type fetchPlain struct{ reader *Reader }

var _ Action = fetchPlain{}

func (fetchPlain) Describe() Description {
	return Description{
		ID:          "fetch:plain",
		Description: "Downloads content and places it in the workspace, or optionally in a subdirectory specified by the `targetPath` input option.",
		Examples: []Example{{Description: "Downloads content and places it in the workspace.",
			Example: "steps:\n  - action: fetch:plain\n    id: fetch-plain\n    name: Fetch plain\n    input:\n      url: ./plain\n"}},
		Input: Schema(map[string]any{
			"url":        prop("string", "Relative path or absolute URL pointing to the directory tree to fetch"),
			"targetPath": prop("string", "Target path within the working directory to download the contents to."),
			"token":      prop("string", "An optional token to use for authentication when reading the resources."),
		}, "url"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (a fetchPlain) Run(ctx context.Context, ac *Context) error {
	ac.Logf("Fetching plain content from remote URL")
	target, err := SafeJoin(ac.Workspace, inputString(ac.Input, "targetPath", "./"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("fetch:plain: %w", err)
	}
	return a.reader.FetchTree(ctx, ac.TemplateInfo.BaseURL, inputString(ac.Input, "url", ""), target)
}

// fetchPlainFile is fetch:plain:file: copies one file into the workspace.
type fetchPlainFile struct{ reader *Reader }

var _ Action = fetchPlainFile{}

func (fetchPlainFile) Describe() Description {
	return Description{
		ID:          "fetch:plain:file",
		Description: "Downloads single file and places it in the workspace.",
		Examples: []Example{{Description: "Downloads a file and places it in the workspace.",
			Example: "steps:\n  - action: fetch:plain:file\n    id: fetch-plain-file\n    name: Fetch plain file\n    input:\n      url: ./plain-file.txt\n      targetPath: target-path\n"}},
		Input: Schema(map[string]any{
			"url":        prop("string", "Relative path or absolute URL pointing to the single file to fetch."),
			"targetPath": prop("string", "Target path within the working directory to download the file as."),
			"token":      prop("string", "An optional token to use for authentication when reading the resources."),
		}, "url", "targetPath"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (a fetchPlainFile) Run(ctx context.Context, ac *Context) error {
	ac.Logf("Fetching plain content from remote URL")
	target, err := SafeJoin(ac.Workspace, inputString(ac.Input, "targetPath", ""))
	if err != nil {
		return err
	}
	return a.reader.FetchFile(ctx, ac.TemplateInfo.BaseURL, inputString(ac.Input, "url", ""), target)
}
