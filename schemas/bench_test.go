package schemas

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"cuelang.org/go/cue"

	"github.com/stackyard/stackyard/catalog/parse"
)

// typical is a Component of about 1 KB, as in a generated catalog.
const typical = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-%d
  namespace: default
  title: Service number %d
  description: A generated service, used to measure how fast the catalog ingests entities.
  labels:
    tier: backend
  annotations:
    backstage.io/managed-by-location: file:/catalog/services.yaml
    backstage.io/managed-by-origin-location: file:/catalog/all.yaml
    github.com/project-slug: example/service-%d
  tags: [go, grpc]
  links:
    - url: https://dashboard.example.com/service-%d
      title: Dashboard
spec:
  type: service
  lifecycle: production
  owner: group:default/team-%d
  system: system-1
  providesApis: [api-%d]
  dependsOn: [resource:default/db-%d]
`

func typicalDoc(b testing.TB, i int) parse.Document {
	return document(b, strings.ReplaceAll(typical, "%d", fmt.Sprint(i)))
}

// BenchmarkValidate validates a valid entity of about 1 KB on one goroutine;
// it takes the fast path.
func BenchmarkValidate(b *testing.B) {
	v := compile(b, Options{})
	doc := typicalDoc(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if errs := v.Validate(doc); errs != nil {
			b.Fatal(errs)
		}
	}
}

// BenchmarkValidate_CUE validates the same entity with CUE alone, as
// Validate does when the fast path does not know.
func BenchmarkValidate_CUE(b *testing.B) {
	v := compile(b, Options{})
	doc := typicalDoc(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		if errs := v.validateCUE(doc); errs != nil {
			b.Fatal(errs)
		}
	}
}

// BenchmarkValidate_Parallel validates from GOMAXPROCS goroutines, as the
// processing engine does.
func BenchmarkValidate_Parallel(b *testing.B) {
	v := compile(b, Options{})
	doc := typicalDoc(b, 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if errs := v.Validate(doc); errs != nil {
				b.Error(errs)
				return
			}
		}
	})
}

// BenchmarkValidate_Invalid validates an entity with several errors, which
// takes the extra passes.
func BenchmarkValidate_Invalid(b *testing.B) {
	v := compile(b, Options{})
	doc := typicalDoc(b, 1)
	doc.Entity["extra"] = true
	doc.Entity.Metadata()["name"] = "bad name"
	delete(doc.Entity.Spec(), "owner")
	b.ReportAllocs()
	for b.Loop() {
		if errs := v.Validate(doc); len(errs) != 3 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkConvert compares the two ways to hand an entity to CUE:
// cue.Context.Encode of the Go value, which the validator uses, and
// compiling its JSON text.
func BenchmarkConvert(b *testing.B) {
	in, err := buildInstance(Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc := typicalDoc(b, 1)
	s := in.kinds[kindKey{"backstage.io/v1alpha1", "Component"}]
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			val := in.ctx.Encode(map[string]any(doc.Entity), cue.NilIsAny(false))
			if err := s.value.Unify(val).Validate(cue.Concrete(true)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CompileBytes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := json.Marshal(doc.Entity)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.value.Unify(in.ctx.CompileBytes(data)).Validate(cue.Concrete(true)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestValidator_ContextGrowth measures how much memory one cue.Context
// keeps per validation of distinct entities, which sets recycleAfter.
func TestValidator_ContextGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	in, err := buildInstance(Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		doc := typicalDoc(t, i)
		doc.Entity.SetAnnotation(fmt.Sprintf("example.com/key-%d", i), "v")
		s := in.kinds[kindKey{"backstage.io/v1alpha1", "Component"}]
		if p := in.check(s, doc.Entity); p != nil {
			t.Fatal(p)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perOp := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("heap grew %d bytes per validation with a new field name each time", perOp)
	runtime.KeepAlive(in)
	if perOp > 2000 {
		t.Errorf("a cue.Context keeps %d bytes per validation; lower recycleAfter", perOp)
	}
}
