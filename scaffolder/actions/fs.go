package actions

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/stackyard/stackyard/internal/errs"
)

// fsDelete is fs:delete: removes files matching globs in the workspace.
type fsDelete struct{}

var _ Action = fsDelete{}

func (fsDelete) Describe() Description {
	return Description{
		ID:          "fs:delete",
		Description: "Deletes files and directories from the workspace",
		Examples: []Example{{Description: "Delete specified files",
			Example: "steps:\n  - action: fs:delete\n    id: deleteFiles\n    name: Delete files\n    input:\n      files:\n        - file1.txt\n        - file2.txt\n        - **/*.log\n"}},
		Input:          Schema(map[string]any{"files": stringList("A list of files and directories that will be deleted")}, "files"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (fsDelete) Run(_ context.Context, ac *Context) error {
	for _, pattern := range inputStrings(ac.Input, "files") {
		if _, err := SafeJoin(ac.Workspace, pattern); err != nil {
			return err
		}
		matches, err := doublestar.Glob(os.DirFS(ac.Workspace), filepath.ToSlash(filepath.Clean(pattern)))
		if err != nil {
			return errs.Input("invalid glob %q: %s", pattern, err)
		}
		for _, m := range matches {
			p, err := SafeJoin(ac.Workspace, m)
			if err != nil {
				return err
			}
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("delete %s: %w", m, err)
			}
			ac.Logf("File %s deleted successfully", m)
		}
	}
	return nil
}

// fsRename is fs:rename: moves files within the workspace.
type fsRename struct{}

var _ Action = fsRename{}

func (fsRename) Describe() Description {
	item := Schema(map[string]any{
		"from":      prop("string", "The source location of the file to be renamed"),
		"to":        prop("string", "The destination of the new file"),
		"overwrite": prop("boolean", "Overwrite existing file or directory, default is false"),
	}, "from", "to")
	delete(item, "$schema")
	return Description{
		ID:          "fs:rename",
		Description: "Renames files and directories within the workspace",
		Examples: []Example{{Description: "Rename specified files",
			Example: "steps:\n  - action: fs:rename\n    id: renameFiles\n    name: Rename files\n    input:\n      files:\n        - from: file1.txt\n          to: file1Renamed.txt\n"}},
		Input: Schema(map[string]any{"files": map[string]any{"type": "array", "items": item,
			"description": "A list of file and directory names that will be renamed"}}, "files"),
		Output:         Schema(map[string]any{}),
		SupportsDryRun: true,
	}
}

func (fsRename) Run(_ context.Context, ac *Context) error {
	list, _ := ac.Input["files"].([]any)
	for _, item := range list {
		f, _ := item.(map[string]any)
		from, err := SafeJoin(ac.Workspace, inputString(f, "from", ""))
		if err != nil {
			return err
		}
		to, err := SafeJoin(ac.Workspace, inputString(f, "to", ""))
		if err != nil {
			return err
		}
		if !exists(from) {
			return errs.NotFound("The source %s does not exist", f["from"])
		}
		if exists(to) {
			if !inputBool(f, "overwrite") {
				return errs.Conflict("The file %s already exists", f["to"])
			}
			if err := os.RemoveAll(to); err != nil {
				return fmt.Errorf("rename %s: %w", f["to"], err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return fmt.Errorf("rename %s: %w", f["to"], err)
		}
		if err := os.Rename(from, to); err != nil {
			return fmt.Errorf("rename %s: %w", f["from"], err)
		}
		ac.Logf("File %s renamed to %s successfully", f["from"], f["to"])
	}
	return nil
}

// fsReaddir is fs:readdir: lists files and folders in the workspace.
type fsReaddir struct{}

var _ Action = fsReaddir{}

func (fsReaddir) Describe() Description {
	entry := map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
		"name": map[string]any{"type": "string"}, "path": map[string]any{"type": "string"}, "fullPath": map[string]any{"type": "string"}}}}
	return Description{
		ID:          "fs:readdir",
		Description: "Reads files and directories from the workspace",
		Examples: []Example{{Description: "Read a directory",
			Example: "steps:\n  - action: fs:readdir\n    id: readdir\n    name: Read files\n    input:\n      paths:\n        - ./\n"}},
		Input: Schema(map[string]any{"paths": stringList("A list of paths to read"),
			"recursive": prop("boolean", "Read directories recursively")}, "paths"),
		Output:         Schema(map[string]any{"files": entry, "folders": entry}),
		SupportsDryRun: true,
	}
}

func (fsReaddir) Run(_ context.Context, ac *Context) error {
	files, folders := []any{}, []any{}
	for _, rel := range inputStrings(ac.Input, "paths") {
		dir, err := SafeJoin(ac.Workspace, rel)
		if err != nil {
			return err
		}
		err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			r, _ := filepath.Rel(ac.Workspace, p)
			e := map[string]any{"name": d.Name(), "path": filepath.ToSlash(r), "fullPath": p}
			if d.IsDir() {
				folders = append(folders, e)
				if !inputBool(ac.Input, "recursive") {
					return filepath.SkipDir
				}
			} else {
				files = append(files, e)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
	}
	sort.SliceStable(files, func(i, j int) bool {
		return files[i].(map[string]any)["path"].(string) < files[j].(map[string]any)["path"].(string)
	})
	ac.Output("files", files)
	ac.Output("folders", folders)
	return nil
}
