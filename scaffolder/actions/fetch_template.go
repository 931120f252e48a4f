package actions

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/templating"
)

// fetchTemplate is fetch:template: copies a skeleton into the workspace,
// rendering paths and contents with {values}.
type fetchTemplate struct {
	reader *Reader
	engine *templating.Engine
}

var _ Action = fetchTemplate{}

func templateInputProps() map[string]any {
	return map[string]any{
		"url":                   prop("string", "Relative path or absolute URL pointing to the directory tree to fetch"),
		"targetPath":            prop("string", "Target path within the working directory to download the contents to. Defaults to the working directory root."),
		"values":                map[string]any{"type": "object", "description": "Values to pass on to the templating engine"},
		"copyWithoutRender":     stringList("An array of glob patterns. Any files or directories which match are copied without being processed as templates. Deprecated: use copyWithoutTemplating."),
		"copyWithoutTemplating": stringList("An array of glob patterns. Contents of matched files or directories are copied without being processed, but paths are subject to rendering."),
		"cookiecutterCompat":    prop("boolean", "Enable features to maximise compatibility with templates built for fetch:cookiecutter"),
		"templateFileExtension": prop("string,boolean", "If set, only files with the given extension will be templated. If set to `true`, the default extension `.njk` is used."),
		"replace":               prop("boolean", "If set, replace files in targetPath instead of skipping existing ones."),
		"trimBlocks":            prop("boolean", "If set, the first newline after a block is removed (block, not variable tag)."),
		"lstripBlocks":          prop("boolean", "If set, leading spaces and tabs are stripped from the start of a line to a block."),
		"token":                 prop("string", "An optional token to use for authentication when reading the resources."),
	}
}

func (fetchTemplate) Describe() Description {
	return Description{
		ID:          "fetch:template",
		Description: "Downloads a skeleton, templates variables into file and directory names and content, and places the result in the workspace, or optionally in a subdirectory specified by the `targetPath` input option.",
		Examples: []Example{{Description: "Downloads a skeleton directory that lives alongside the template file and fill it out with values.",
			Example: "steps:\n  - action: fetch:template\n    id: fetch-template\n    name: Fetch template\n    input:\n      url: ./skeleton\n      targetPath: ./target\n      values:\n        name: test-project\n        count: 1234\n        itemList:\n          - first\n          - second\n          - third\n        showDummyFile: false\n"}},
		Input:          Schema(templateInputProps(), "url"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

// templateOptions are the parsed options of fetch:template.
type templateOptions struct {
	values    map[string]any
	noRender  []string
	extension string
	replace   bool
}

func parseTemplateOptions(in map[string]any) (templateOptions, error) {
	o := templateOptions{replace: inputBool(in, "replace")}
	o.values, _ = in["values"].(map[string]any)
	o.noRender = append(inputStrings(in, "copyWithoutTemplating"), inputStrings(in, "copyWithoutRender")...)
	switch ext := in["templateFileExtension"].(type) {
	case bool:
		if ext {
			o.extension = ".njk"
		}
	case string:
		o.extension = ext
		if !strings.HasPrefix(ext, ".") {
			o.extension = "." + ext
		}
	}
	if inputBool(in, "cookiecutterCompat") {
		return o, errs.Input("Fetch action input cookiecutterCompat is not supported by Stackyard")
	}
	if o.extension != "" && len(o.noRender) > 0 {
		return o, errs.Input("input extension incompatible with copyWithoutTemplating and cookiecutterCompat")
	}
	return o, nil
}

func (a fetchTemplate) Run(ctx context.Context, ac *Context) error {
	ac.Logf("Fetching template content from remote URL")
	opts, err := parseTemplateOptions(ac.Input)
	if err != nil {
		return err
	}
	target, err := SafeJoin(ac.Workspace, inputString(ac.Input, "targetPath", "./"))
	if err != nil {
		return err
	}
	src, err := a.source(ctx, ac)
	if err != nil {
		return err
	}
	defer src.cleanup()
	type entry struct {
		path, rel string
		d         fs.DirEntry
	}
	var entries []entry
	err = filepath.WalkDir(src.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == src.dir {
			return err
		}
		rel, _ := filepath.Rel(src.dir, p)
		entries = append(entries, entry{p, filepath.ToSlash(rel), d})
		return nil
	})
	if err != nil {
		return fmt.Errorf("fetch:template: %w", err)
	}
	ac.Logf("Processing %d template files/directories with input values", len(entries))
	engine := a.engine.WithBlocks(inputBool(ac.Input, "trimBlocks"), inputBool(ac.Input, "lstripBlocks"))
	r := skeletonRenderer{engine: engine, opts: opts, data: map[string]any{"values": opts.values}, log: ac.Logf}
	for _, e := range entries {
		if err := r.entry(ctx, e.path, e.rel, e.d, target); err != nil {
			return err
		}
	}
	return nil
}

// skeleton is a fetched skeleton directory and how to clean it up.
type skeleton struct {
	dir     string
	cleanup func()
}

// source reads a skeleton in place when it is local to the template, and
// fetches it into a temporary directory otherwise.
func (a fetchTemplate) source(ctx context.Context, ac *Context) (skeleton, error) {
	url := inputString(ac.Input, "url", "")
	if dir, isDir, err := a.reader.LocalTree(ac.TemplateInfo.BaseURL, url); err != nil || isDir {
		return skeleton{dir: dir, cleanup: func() {}}, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(ac.Workspace), filepath.Base(ac.Workspace)+"_step-"+ac.StepID+"-")
	if err != nil {
		return skeleton{}, fmt.Errorf("fetch:template: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	if err := a.reader.FetchTree(ctx, ac.TemplateInfo.BaseURL, url, tmp); err != nil {
		cleanup()
		return skeleton{}, err
	}
	return skeleton{dir: tmp, cleanup: cleanup}, nil
}

// skeletonRenderer renders one skeleton entry into the target directory.
type skeletonRenderer struct {
	engine *templating.Engine
	opts   templateOptions
	data   map[string]any
	log    func(string, ...any)
}

func (r skeletonRenderer) entry(ctx context.Context, src, rel string, d fs.DirEntry, target string) error {
	renderContents := !r.matchesNoRender(rel)
	path := rel
	if r.opts.extension != "" {
		renderContents = !d.IsDir() && strings.HasSuffix(rel, r.opts.extension)
		path = strings.TrimSuffix(rel, r.opts.extension)
	}
	rendered, err := r.engine.Render(ctx, path, r.data)
	if err != nil {
		return fmt.Errorf("render path %s: %w", rel, err)
	}
	if rendered == "" || strings.HasPrefix(rendered, "/") || strings.Contains(rendered, "//") {
		r.log("Skipping %s, its rendered path is empty or invalid", rel)
		return nil
	}
	dst, err := SafeJoin(target, rendered)
	if err != nil {
		return err
	}
	if d.IsDir() {
		return os.MkdirAll(dst, 0o755)
	}
	if !d.Type().IsRegular() {
		return nil
	}
	if exists(dst) && !r.opts.replace {
		r.log("File %s already exists in target, skipping", rendered)
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if renderContents && !isBinary(data) {
		out, err := r.engine.Render(ctx, string(data), r.data)
		if err != nil {
			return fmt.Errorf("render %s: %w", rel, err)
		}
		data = []byte(out)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, info.Mode().Perm())
}

func (r skeletonRenderer) matchesNoRender(rel string) bool {
	for _, g := range r.opts.noRender {
		g = strings.TrimPrefix(g, "./")
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		if ok, _ := doublestar.Match(strings.TrimSuffix(g, "/")+"/**", rel); ok {
			return true
		}
	}
	return false
}

// isBinary reports whether data looks binary: a NUL byte near the start.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0
}

// fetchTemplateFile is fetch:template:file: renders one file.
type fetchTemplateFile struct {
	reader *Reader
	engine *templating.Engine
}

var _ Action = fetchTemplateFile{}

func (fetchTemplateFile) Describe() Description {
	props := templateInputProps()
	for _, k := range []string{"copyWithoutRender", "copyWithoutTemplating", "templateFileExtension"} {
		delete(props, k)
	}
	return Description{
		ID:          "fetch:template:file",
		Description: "Downloads single file and places it in the workspace.",
		Examples: []Example{{Description: "Downloads a file and places it in the workspace.",
			Example: "steps:\n  - action: fetch:template:file\n    id: fetch-template-file\n    name: Fetch template file\n    input:\n      url: ./skeleton.txt\n      targetPath: ./target/skeleton.txt\n      values:\n        name: test-project\n"}},
		Input:          Schema(props, "url", "targetPath"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (a fetchTemplateFile) Run(ctx context.Context, ac *Context) error {
	ac.Logf("Fetching template file content from remote URL")
	dst, err := SafeJoin(ac.Workspace, inputString(ac.Input, "targetPath", ""))
	if err != nil {
		return err
	}
	if exists(dst) && !inputBool(ac.Input, "replace") {
		ac.Logf("File %s already exists in target, skipping", inputString(ac.Input, "targetPath", ""))
		return nil
	}
	if err := a.reader.FetchFile(ctx, ac.TemplateInfo.BaseURL, inputString(ac.Input, "url", ""), dst); err != nil {
		return err
	}
	data, err := os.ReadFile(dst)
	if err != nil || isBinary(data) {
		return err
	}
	values, _ := ac.Input["values"].(map[string]any)
	engine := a.engine.WithBlocks(inputBool(ac.Input, "trimBlocks"), inputBool(ac.Input, "lstripBlocks"))
	out, err := engine.Render(ctx, string(data), map[string]any{"values": values})
	if err != nil {
		return fmt.Errorf("render %s: %w", dst, err)
	}
	return os.WriteFile(dst, []byte(out), 0o644)
}
