package stacks

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
	"github.com/stackyard/stackyard/internal/errs"
)

// minimal is a small valid template; tests append to it.
const minimal = `package t

template: {name: "mini", version: "1.0.0", title: "Mini", description: "d", owner: "group:default/platform"}
parameters: {
	name!:  string
	owner!: string
	lifecycle: *"experimental" | "production"
	size: int & >=1 & <=10 | *2
}
files: "README.md": "# \(parameters.name)\n"
entities: [{apiVersion: "backstage.io/v1alpha1", kind: "Component", metadata: name: parameters.name, spec: type: "service"}]
guardrails: small: {ok: parameters.size < 5, message: "size \(parameters.size) is too big", fields: ["size"]}
`

func compileSource(t *testing.T, src string, opts Options) (*Template, error) {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "mini"
	}
	return Compile(context.Background(), fstest.MapFS{"stack.cue": {Data: []byte(src)}}, opts)
}

func fieldErrorsOf(t *testing.T, err error) []errs.FieldError {
	t.Helper()
	var ve *errs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a validation error", err)
	}
	if !errors.Is(err, errs.ErrInput) {
		t.Errorf("error %v does not match errs.ErrInput", err)
	}
	return ve.Fields
}

func TestCompile_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"syntax error", "package t\n\ntemplate: {", "mini/stack.cue:3:"},
		{"no template field", strings.Replace(minimal, `template: {name: "mini", `, `x: {name: "mini", `, 1), "template"},
		{"bad version", strings.Replace(minimal, `"1.0.0"`, `"1.0"`, 1), "template.version"},
		{"name not required", strings.Replace(minimal, "name!:  string", "name?: string", 1), "parameters.name must be a required field"},
		{"guardrail without message", minimal + "guardrails: x: {ok: true, fields: []}\n", "guardrails.x.message"},
		{"owner not a ref", strings.Replace(minimal, `"group:default/platform"`, `"platform"`, 1), "template.owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := compileSource(t, tt.src, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Compile error = %v, want one containing %q", err, tt.want)
			}
			if !errors.Is(err, errs.ErrInput) {
				t.Errorf("error %v does not match errs.ErrInput", err)
			}
		})
	}
}

func TestRender_FilePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, files, want string
	}{
		{"parent", `files: "../escape.txt": "x"`, "escapes the stack repository"},
		{"absolute", `files: "/etc/passwd": "x"`, "is absolute"},
		{"unclean", `files: "a//b.txt": "x"`, "is not clean"},
		{"into git", `files: ".git/config": "x"`, "writes into .git"},
		{"struct as text", `files: "notes.txt": {a: 1}`, "can only be written to a .yaml"},
		{"a number", `files: "n.txt": 3`, "files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tpl, err := compileSource(t, minimal+tt.files+"\n", Options{})
			if err == nil {
				_, err = tpl.Render(context.Background(), Input{Values: map[string]any{"name": "a", "owner": "user:b"}})
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if !errors.Is(err, errs.ErrInput) {
				t.Errorf("error %v does not match errs.ErrInput", err)
			}
		})
	}
}

func TestCheckPath(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"README.md", "deploy/app.yaml", ".github/workflows/ci.yaml", "a/.gitignore"} {
		if err := CheckPath(ok); err != nil {
			t.Errorf("CheckPath(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/../../b", "/abs", "./a", "a/", `a\b`, ".GIT/x", "x/.git"} {
		if err := CheckPath(bad); err == nil {
			t.Errorf("CheckPath(%q) = nil, want an error", bad)
		}
	}
}

func TestRender_Values(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tpl, err := compileSource(t, minimal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Render(ctx, Input{Namespace: "shop", Values: map[string]any{"name": "cart", "owner": "group:shop/cart", "size": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Given) != 3 || r.Resolved["lifecycle"] != "experimental" || r.Resolved["size"] != float64(3) {
		t.Errorf("given %v, resolved %v: want the defaults in resolved only", r.Given, r.Resolved)
	}
	e := r.Entities[0]
	if e.Namespace() != "shop" || e.SpecString("owner") != "group:shop/cart" || e.SpecString("lifecycle") != "experimental" ||
		e.Annotation("stackyard.dev/stack") != "shop/cart" || e.Annotation("backstage.io/template-version") != "1.0.0" ||
		e.Annotation("backstage.io/source-template") != "template:default/mini" {
		t.Errorf("entity not decorated: %v", e)
	}

	_, err = tpl.Render(ctx, Input{Values: map[string]any{"name": "cart", "owner": "u", "size": 30, "lifecycle": "prod", "colour": "red"}})
	if fe := fieldErrorsOf(t, err); len(fe) != 1 || fe[0].Path != "colour" || !strings.Contains(fe[0].Message, "unknown parameter") {
		t.Errorf("unknown value: %v", fe)
	}
	_, err = tpl.Render(ctx, Input{Values: map[string]any{"name": "cart", "owner": "u", "size": 30, "lifecycle": "prod"}})
	fe := fieldErrorsOf(t, err)
	got := map[string]string{}
	for _, f := range fe {
		got[f.Path] = f.Message
	}
	want := map[string]string{
		"lifecycle": `must be one of "experimental", "production" (got "prod")`,
		"size":      "invalid value 30 (out of bound <=10)",
	}
	if len(got) != len(want) || got["lifecycle"] != want["lifecycle"] || got["size"] != want["size"] {
		t.Errorf("constraint errors = %v, want %v", got, want)
	}
	_, err = tpl.Render(ctx, Input{Values: map[string]any{"owner": "u"}})
	if fe := fieldErrorsOf(t, err); len(fe) == 0 || fe[0].Path != "name" {
		t.Errorf("missing name: %v", fe)
	}
}

func TestResult_Check(t *testing.T) {
	t.Parallel()
	tpl, err := compileSource(t, minimal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tpl.Render(context.Background(), Input{Values: map[string]any{"name": "cart", "owner": "u", "size": 7}})
	if err != nil {
		t.Fatal(err)
	}
	fe := fieldErrorsOf(t, r.Check())
	if len(fe) != 1 || fe[0].Path != "size" || fe[0].Message != "size 7 is too big (guardrail small)" {
		t.Errorf("Check = %v, want the guardrail against size", fe)
	}
}

func TestRender_Timeout(t *testing.T) {
	t.Parallel()
	slow := minimal + "import \"list\"\n_slow: list.Sum([for i in list.Range(0, 20000, 1) {i * 2}])\nfiles: \"n.txt\": \"\\(_slow)\"\n"
	slow = strings.Replace(slow, "package t\n", "package t\n\nimport \"list\"\n", 1)
	slow = strings.Replace(slow, "import \"list\"\n_slow", "_slow", 1)
	tpl, err := compileSource(t, slow, Options{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tpl.eval.timeout = 20 * time.Millisecond
	vals := Input{Values: map[string]any{"name": "a", "owner": "u"}}
	_, err = tpl.Render(context.Background(), vals)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, errs.ErrInput) {
		t.Fatalf("Render error = %v, want ErrTimeout", err)
	}
	// The abandoned evaluation still holds the slot: a caller with a short
	// deadline gives up instead of starting a second one.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := tpl.Render(ctx, vals); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Render while busy = %v, want context.DeadlineExceeded", err)
	}
}

// TestParametersSchema_ValidatesExamples: the exported schema accepts the
// examples that hold and, with its guardrails exported, refuses those that
// break one.
func TestParametersSchema_ValidatesExamples(t *testing.T) {
	t.Parallel()
	tpl := loadShipped(t, "web-service", "2.0.0")
	raw, err := json.Marshal(tpl.ParametersSchema())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("parameters.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("parameters.json")
	if err != nil {
		t.Fatalf("the exported schema does not compile: %v", err)
	}
	examples, err := tpl.Examples(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, ex := range examples {
		err := schema.Validate(ex.Values)
		switch {
		case len(ex.Fails) == 0 && err != nil:
			t.Errorf("examples[%d] fails the JSON Schema: %v", i, err)
		case len(ex.Fails) > 0 && err == nil:
			// The guardrails exported into the form refuse it already.
			t.Errorf("examples[%d] breaks %v, yet passes the JSON Schema", i, ex.Fails)
		}
	}
	bad := map[string]any{"name": "X", "owner": "group:default/a", "replicas": float64(30)}
	if err := schema.Validate(bad); err == nil {
		t.Error("the JSON Schema accepts replicas 30 and an upper-case name")
	}
}

func TestTemplateEntity_IsValid(t *testing.T) {
	t.Parallel()
	for _, name := range shipped {
		src, err := OpenSource(context.Background(), "../../schemas/stacks/"+name)
		if err != nil {
			t.Fatal(err)
		}
		tpl := loadShipped(t, name, src.Latest())
		e := tpl.TemplateEntity()
		if problems := catalogValidator(t).Validate(parse.Document{Entity: e}); len(problems) > 0 {
			t.Errorf("%s: the Template entity is invalid: %v", name, problems)
		}
		if e.Annotation(AnnotationVersion) != tpl.Version {
			t.Errorf("%s: version annotation = %q", name, e.Annotation(AnnotationVersion))
		}
	}
}

// TestRender_Concurrent renders from many goroutines, past recycleAfter, so
// that the race detector sees the evaluator and the context rebuild.
func TestRender_Concurrent(t *testing.T) {
	t.Parallel()
	tpl, err := compileSource(t, minimal, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 6, 40
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func() {
			for i := 0; i < each; i++ {
				name := "svc-" + strings.Repeat("x", w+1)
				r, err := tpl.Render(context.Background(), Input{Values: map[string]any{"name": name, "owner": "u", "size": 1 + i%4}})
				if err == nil && string(r.Files[0].Content) != "# "+name+"\n" {
					err = errors.New("wrong README: " + string(r.Files[0].Content))
				}
				if err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for w := 0; w < workers; w++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// TestTemplateEntity_Launchers: template.launchers in the CUE becomes the
// Template's stackyard.io/launchers annotation, which the scaffolder checks
// at launch; a launcher that is not a ref breaks the contract.
func TestTemplateEntity_Launchers(t *testing.T) {
	t.Parallel()
	src := strings.Replace(minimal, `owner: "group:default/platform"}`, `owner: "group:default/platform", launchers: ["group:default/team-a", "group:default/platform"]}`, 1)
	tpl, err := compileSource(t, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.TemplateEntity().Annotation(model.AnnotationLaunchers); got != "group:default/team-a, group:default/platform" {
		t.Fatalf("launchers annotation = %q", got)
	}
	if plain, _ := compileSource(t, minimal, Options{}); plain.TemplateEntity().Annotation(model.AnnotationLaunchers) != "" {
		t.Fatal("a template without launchers restricts launching")
	}
	bad := strings.Replace(minimal, `owner: "group:default/platform"}`, `owner: "group:default/platform", launchers: ["team-a"]}`, 1)
	if _, err := compileSource(t, bad, Options{}); err == nil || !strings.Contains(err.Error(), "launchers") {
		t.Fatalf("a launcher that is not a ref = %v", err)
	}
}
