package actions_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/scaffoldertest"
)

// env is a workspace, a template directory and a registry.
type env struct {
	ws, tpl string
	reg     *actions.Registry
	cat     *scaffoldertest.Catalog
	logs    []string
}

func newEnv(t *testing.T, files map[string]string, opts actions.Options) *env {
	t.Helper()
	e := &env{ws: t.TempDir(), tpl: t.TempDir(), cat: scaffoldertest.NewCatalog()}
	writeTree(t, e.tpl, files)
	opts.Catalog = e.cat
	e.reg = actions.NewRegistry(opts)
	return e
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run validates input and runs one action in the env's workspace.
func (e *env) run(t *testing.T, id string, input map[string]any) (map[string]any, error) {
	t.Helper()
	if err := e.reg.ValidateInput(id, id, input); err != nil {
		return nil, err
	}
	a, err := e.reg.Get(id)
	if err != nil {
		return nil, err
	}
	ac := &actions.Context{TaskID: "t1", StepID: "s1", Input: input, Workspace: e.ws,
		TemplateInfo: actions.TemplateInfo{EntityRef: "template:default/demo", BaseURL: "file://" + filepath.Join(e.tpl, "template.yaml")},
		Log:          func(msg string) { e.logs = append(e.logs, msg) }}
	err = a.Run(context.Background(), ac)
	return ac.Outputs(), err
}

// tree lists the workspace as path → content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			data, _ := os.ReadFile(p)
			out[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	return out
}

func TestFetchTemplate(t *testing.T) {
	t.Parallel()
	skeleton := map[string]string{
		"skeleton/README.md":                          "# ${{ values.name }}\n",
		"skeleton/${{ values.name }}/main.go":         "package ${{ values.name }}\n",
		"skeleton/${{ 'opt.txt' if values.flag }}":    "optional\n",
		"skeleton/raw/keep.txt":                       "${{ values.name }}\n",
		"skeleton/.github/workflow.yaml":              "on: ${{ values.name }}\n",
		"skeleton/json/data.json":                     `{"n": ${{ values.count }}, "ok": ${{ values.flag }}}`,
		"skeleton/ext/app.py.njk":                     "print('${{ values.name }}')\n",
		"skeleton/ext/plain.txt":                      "${{ values.name }}\n",
		"outside.txt":                                 "secret\n",
		"skeleton/${{ values.name }}/nested/deep.txt": "deep\n",
		"blocks/list.txt":                             "{% for i in [1, 2] %}\n  {% if i %}\nitem ${{ i }}\n  {% endif %}\n{% endfor %}\n",
	}
	tests := []struct {
		name  string
		input map[string]any
		want  map[string]string
	}{
		{"renders paths and contents", map[string]any{"url": "./skeleton", "values": map[string]any{"name": "svc", "count": 3, "flag": false},
			"copyWithoutTemplating": []any{"raw/**"}}, map[string]string{
			"README.md": "# svc\n", "svc/main.go": "package svc\n", "raw/keep.txt": "${{ values.name }}\n",
			".github/workflow.yaml": "on: svc\n", "json/data.json": `{"n": 3, "ok": false}`,
			"ext/app.py.njk": "print('svc')\n", "ext/plain.txt": "svc\n", "svc/nested/deep.txt": "deep\n"}},
		{"optional file and targetPath", map[string]any{"url": "./skeleton/ext", "targetPath": "sub", "values": map[string]any{"name": "a", "flag": true}},
			map[string]string{"sub/app.py.njk": "print('a')\n", "sub/plain.txt": "a\n"}},
		{"trimBlocks and lstripBlocks", map[string]any{"url": "./blocks", "values": map[string]any{}, "trimBlocks": true, "lstripBlocks": true},
			map[string]string{"list.txt": "item 1\nitem 2\n"}},
		{"templateFileExtension", map[string]any{"url": "./skeleton/ext", "values": map[string]any{"name": "b"}, "templateFileExtension": true},
			map[string]string{"app.py": "print('b')\n", "plain.txt": "${{ values.name }}\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, skeleton, actions.Options{})
			if _, err := e.run(t, "fetch:template", tt.input); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tree(t, e.ws)); diff != "" {
				t.Errorf("workspace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActions_Refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		action  string
		input   map[string]any
		wantErr string
	}{
		{"fetch escapes the template dir", "fetch:plain", map[string]any{"url": "../../etc"}, "outside its parent"},
		{"fetch absolute path", "fetch:plain", map[string]any{"url": "/etc"}, "outside its parent"},
		{"fetch host not allowed", "fetch:plain:file", map[string]any{"url": "https://evil.example.com/x", "targetPath": "x"}, "not allowed"},
		{"target escapes workspace", "fetch:template", map[string]any{"url": "./skeleton", "targetPath": "../x"}, "outside its parent"},
		{"delete escapes", "fs:delete", map[string]any{"files": []any{"../*"}}, "outside its parent"},
		{"rename escapes", "fs:rename", map[string]any{"files": []any{map[string]any{"from": "a", "to": "../b"}}}, "outside its parent"},
		{"write escapes", "catalog:write", map[string]any{"entity": map[string]any{}, "filePath": "/tmp/x.yaml"}, "outside its parent"},
		{"wrong type", "debug:log", map[string]any{"message": 3}, "Invalid input passed to action debug:log, instance.message is not of a type(s) string"},
		{"unknown key", "fs:delete", map[string]any{"files": []any{"a"}, "bogus": 1}, `instance is not allowed to have the additional property "bogus"`},
		{"missing required", "fetch:template", map[string]any{}, `instance requires property "url"`},
		{"publish outside roots", "publish:git", map[string]any{"repoUrl": "/tmp/somewhere"}, "not under scaffolder.publish.localRoots"},
		{"publish host not allowed", "publish:git", map[string]any{"repoUrl": "github.com?owner=o&repo=r"}, "not allowed"},
		{"wait too long", "debug:wait", map[string]any{"minutes": 11}, "maximum threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, map[string]string{"skeleton/a.txt": "a"}, actions.Options{})
			writeTree(t, e.ws, map[string]string{"a": "a"})
			_, err := e.run(t, tt.action, tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestActions_SymlinkEscape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, actions.Options{})
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(e.ws, "link")); err != nil {
		t.Fatal(err)
	}
	_, err := e.run(t, "catalog:write", map[string]any{"entity": map[string]any{"kind": "Component"}, "filePath": "link/x.yaml"})
	if !errors.Is(err, errs.ErrNotAllowed) {
		t.Fatalf("write through symlink: err = %v", err)
	}
}

func TestFS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, actions.Options{})
	writeTree(t, e.ws, map[string]string{"a.log": "1", "dir/b.log": "2", "keep.txt": "3", "old.txt": "4", "taken.txt": "5"})
	if _, err := e.run(t, "fs:delete", map[string]any{"files": []any{"**/*.log"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.run(t, "fs:rename", map[string]any{"files": []any{map[string]any{"from": "old.txt", "to": "new/new.txt"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.run(t, "fs:rename", map[string]any{"files": []any{map[string]any{"from": "keep.txt", "to": "taken.txt"}}}); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("rename onto existing file: err = %v", err)
	}
	want := map[string]string{"keep.txt": "3", "new/new.txt": "4", "taken.txt": "5"}
	if diff := cmp.Diff(want, tree(t, e.ws)); diff != "" {
		t.Errorf("workspace (-want +got):\n%s", diff)
	}
	out, err := e.run(t, "fs:readdir", map[string]any{"paths": []any{"."}, "recursive": true})
	if err != nil || len(out["files"].([]any)) != 3 {
		t.Errorf("readdir = %v, %v", out, err)
	}
}

func TestCatalogActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, actions.Options{})
	comp := model.Entity{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "svc", "namespace": "default"}}
	e.cat.Add(comp)
	e.cat.AddURL("https://git.example.com/o/r/catalog-info.yaml",
		model.Entity{"kind": "Location", "metadata": map[string]any{"name": "generated-x"}}, comp)
	out, err := e.run(t, "catalog:register", map[string]any{"repoContentsUrl": "https://git.example.com/o/r/", "catalogInfoPath": "/catalog-info.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if out["entityRef"] != "component:default/svc" || out["catalogInfoUrl"] != "https://git.example.com/o/r/catalog-info.yaml" || len(e.cat.Registered) != 1 {
		t.Errorf("register outputs = %v, registered %v", out, e.cat.Registered)
	}
	if _, err := e.run(t, "catalog:register", map[string]any{"catalogInfoUrl": "x", "repoContentsUrl": "y", "bogus": true}); err == nil {
		t.Error("register with mixed inputs passed validation")
	}
	out, err = e.run(t, "catalog:fetch", map[string]any{"entityRef": "svc", "defaultKind": "component", "entityRefs": []any{"component:default/svc"}})
	if err != nil || out["entity"].(map[string]any)["kind"] != "Component" || len(out["entities"].([]any)) != 1 {
		t.Errorf("fetch = %v, %v", out, err)
	}
	if _, err := e.run(t, "catalog:fetch", map[string]any{"entityRef": "component:default/nope"}); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("fetch missing: %v", err)
	}
	if _, err := e.run(t, "catalog:fetch", map[string]any{"entityRef": "component:default/nope", "optional": true}); err != nil {
		t.Errorf("fetch missing optional: %v", err)
	}
	if _, err := e.run(t, "catalog:write", map[string]any{"entity": map[string]any{"kind": "Component", "metadata": map[string]any{"name": "n"}}}); err != nil {
		t.Fatal(err)
	}
	data := tree(t, e.ws)["catalog-info.yaml"]
	if !strings.Contains(data, "backstage.io/source-template: template:default/demo") {
		t.Errorf("catalog-info.yaml = %s", data)
	}
}

func TestDebugLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, actions.Options{})
	writeTree(t, e.ws, map[string]string{"b.txt": "b", "a/x.txt": "x"})
	if _, err := e.run(t, "debug:log", map[string]any{"message": "hi", "listWorkspace": true}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(e.logs)
	joined := strings.Join(e.logs, "\n")
	for _, want := range []string{"\u001b[32minfo\u001b[39m: hi", "a/x.txt", "b.txt", `"message": "hi"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("logs %q lack %q", joined, want)
		}
	}
}
