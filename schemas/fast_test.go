package schemas

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/parse"
)

// corpus returns every document of the schema test files and of the
// example catalog.
func corpus(t testing.TB) []parse.Document {
	t.Helper()
	var files []string
	for _, pattern := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "../catalog/examples/*.yaml", "../catalog/all.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil || len(m) == 0 {
			t.Fatalf("glob %s: %v (%d files)", pattern, err, len(m))
		}
		files = append(files, m...)
	}
	var docs []parse.Document
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// An invalid file may hold a document that does not parse; the
		// others still count.
		d, _ := parse.YAML(name, data)
		docs = append(docs, d...)
	}
	return docs
}

// TestChecker_Sound checks the one property the fast path needs: what it
// calls valid, CUE accepts too.
func TestChecker_Sound(t *testing.T) {
	t.Parallel()
	docs := corpus(t)
	for _, opts := range []Options{{}, {Lifecycles: []string{"alpha", "ga"}}} {
		v := compile(t, opts)
		fast := 0
		for _, d := range docs {
			if !v.fast.valid(d.Entity) {
				continue
			}
			fast++
			if errs := v.validateCUE(d); errs != nil {
				t.Errorf("%v: %s %s passed the fast path, but CUE says %v", opts, d.File, d.Entity.Ref(), errs)
			}
		}
		t.Logf("%v: %d of %d documents passed the fast path", opts, fast, len(docs))
	}
}

// TestChecker_Valid checks that the fast path does the work it is for: the
// valid documents of every built-in kind pass it. Only an entity created
// from a template is left to CUE, whose annotations refer to each other.
func TestChecker_Valid(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	docs := corpus(t)
	docs = append(docs, typicalDoc(t, 7))
	kinds := map[string]bool{}
	for _, d := range docs {
		if strings.Contains(d.File, "invalid") || v.validateCUE(d) != nil {
			continue
		}
		if d.Entity.Annotation(model.AnnotationSourceTemplate) != "" {
			if v.fast.valid(d.Entity) {
				t.Errorf("%s %s: an entity created from a template passed the fast path", d.File, d.Entity.Ref())
			}
			continue
		}
		if !v.fast.valid(d.Entity) {
			t.Errorf("%s %s: valid, but not on the fast path", d.File, d.Entity.Ref())
			continue
		}
		kinds[d.Entity.Kind()] = true
	}
	for _, k := range []string{"API", "Component", "Domain", "Group", "Location", "Resource", "System", "Template", "User"} {
		if !kinds[k] {
			t.Errorf("no %s passed the fast path", k)
		}
	}
}

func TestChecker_Options(t *testing.T) {
	t.Parallel()
	production := document(t, strings.Replace(component, "experimental", "production", 1))
	ga := document(t, strings.Replace(component, "experimental", "ga", 1))

	v := compile(t, Options{Lifecycles: []string{"alpha", "ga"}})
	if v.fast.valid(production.Entity) {
		t.Error("lifecycle production passed the fast path with lifecycles alpha and ga")
	}
	if !v.fast.valid(ga.Entity) {
		t.Error("lifecycle ga did not pass the fast path with lifecycles alpha and ga")
	}

	v = compile(t, Options{Lifecycles: []string{"ga"}})
	if v.fast.valid(production.Entity) || !v.fast.valid(ga.Entity) {
		t.Error("with the one lifecycle ga, the fast path does not take exactly ga")
	}

	v = compile(t, Options{Policy: "metadata: description!: #NonBlank"})
	if v.fast.valid(typicalDoc(t, 1).Entity) {
		t.Error("an entity passed the fast path with a policy")
	}
	if got := v.Validate(production); len(got) != 1 || got[0].Path != "metadata.description" {
		t.Errorf("Validate with a policy = %v, want metadata.description is required", got)
	}
}

// TestChecker_Fallbacks pins what the compiler leaves to CUE, so that a
// schema change that slows the fast path down shows here: for each kind,
// the key rules of labels and annotations (error(...) values) and the
// template origin annotations, which refer to each other.
func TestChecker_Fallbacks(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	want := regexp.MustCompile(`^\S+ \w+\.metadata\.(` +
		`(labels|annotations)\[[!=]~".*"\]: operator \(\)|` +
		`annotations\["backstage\.io/(source-template|template-version)"\]: reference A inside the schema)$`)
	for _, f := range v.fast.fallbacks {
		if !want.MatchString(f) {
			t.Errorf("unexpected fallback %s", f)
		}
	}
	if got, kinds := len(v.fast.fallbacks), len(v.fast.kinds); kinds != 17 || got != 6*kinds {
		t.Errorf("%d kinds with %d fallbacks, want 17 kinds with 6 each", kinds, got)
	}
}

func TestChecker_Values(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	tests := []struct {
		name string
		edit func(e model.Entity)
		fast bool
	}{
		{"typical", func(model.Entity) {}, true},
		{"extra root key", func(e model.Entity) { e["extra"] = 1.0 }, false},
		{"extra spec key with a number", func(e model.Entity) { e.Spec()["replicas"] = 3.0 }, true},
		{"extra spec key with NaN", func(e model.Entity) { e.Spec()["ratio"] = nan() }, false},
		{"extra metadata key with invalid UTF-8", func(e model.Entity) { e.Metadata()["x"] = "a\xffb" }, false},
		{"name with invalid UTF-8", func(e model.Entity) { e.Metadata()["name"] = "a\xff" }, false},
		{"missing owner", func(e model.Entity) { delete(e.Spec(), "owner") }, false},
		{"blank owner", func(e model.Entity) { e.Spec()["owner"] = " " }, false},
		{"unknown lifecycle", func(e model.Entity) { e.Spec()["lifecycle"] = "prod" }, false},
		{"relative link", func(e model.Entity) { e.Metadata()["links"] = []any{map[string]any{"url": "/x"}} }, false},
		{"source template", func(e model.Entity) { e.SetAnnotation(model.AnnotationSourceTemplate, "template:t") }, false},
		{"bad annotation key", func(e model.Entity) { e.SetAnnotation("a b", "x") }, false},
		{"good annotation key", func(e model.Entity) { e.SetAnnotation("example.com/a_b", "x") }, true},
		{"tags as a string", func(e model.Entity) { e.Metadata()["tags"] = "go" }, false},
		{"null title", func(e model.Entity) { e.Metadata()["title"] = nil }, false},
		{"relation", func(e model.Entity) {
			e["relations"] = []any{map[string]any{"type": "ownedBy", "targetRef": "group:a"}}
		}, true},
		{"relation with extra key", func(e model.Entity) {
			e["relations"] = []any{map[string]any{"type": "ownedBy", "targetRef": "a", "x": "y"}}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := typicalDoc(t, 1)
			tt.edit(doc.Entity)
			fast := v.fast.valid(doc.Entity)
			if fast != tt.fast {
				t.Errorf("fast path = %v, want %v", fast, tt.fast)
			}
			if errs := v.validateCUE(doc); fast && errs != nil {
				t.Errorf("passed the fast path, but CUE says %v", errs)
			}
		})
	}
}

func nan() float64 { zero := 0.0; return zero / zero }

// TestChecker_KeyMemory checks that the memory of annotation keys stays
// bounded and is safe for concurrent use; run it with -race.
func TestChecker_KeyMemory(t *testing.T) {
	t.Parallel()
	v := compile(t, Options{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				doc := typicalDoc(t, i)
				doc.Entity.SetAnnotation(fmt.Sprintf("example.com/key-%d-%d", g, i), "v")
				if i%10 == 0 {
					doc.Entity.SetAnnotation(fmt.Sprintf("bad key %d", i), "v")
				}
				if got, want := v.fast.valid(doc.Entity), i%10 != 0; got != want {
					t.Errorf("goroutine %d, entity %d: fast path = %v, want %v", g, i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	meta := v.fast.kinds[kindKey{"backstage.io/v1alpha1", "Component"}].(*object).fields["metadata"].node.(*object)
	annotations := meta.fields["annotations"].node.(*object)
	if n := len(annotations.keys.bits); n == 0 || n > maxKeys {
		t.Errorf("%d keys remembered, want 1 to %d", n, maxKeys)
	}
}
