package parse

import (
	"bytes"
	"fmt"
	"testing"
)

// catalogFile returns n entities of about 1 KB each, like a generated catalog.
func catalogFile(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-%d
  namespace: default
  title: Service number %d
  description: A generated service, used to measure how fast the catalog ingests entities.
  labels:
    tier: backend
    team: team-%d
  annotations:
    backstage.io/source-location: url:https://github.com/example/service-%d/tree/main/
    github.com/project-slug: example/service-%d
    backstage.io/techdocs-ref: dir:.
  tags: [go, grpc, backend]
  links:
    - url: https://dashboard.example.com/service-%d
      title: Dashboard
      icon: dashboard
spec:
  type: service
  lifecycle: production
  owner: group:default/team-%d
  system: system-%d
  providesApis: [api-%d]
  consumesApis: [api-%d]
  dependsOn: [resource:default/db-%d]
`, i, i, i%50, i, i, i, i%50, i%100, i, (i+1)%1000, i)
	}
	return b.Bytes()
}

// BenchmarkYAML parses a file of 1,000 entities; ns/op divided by 1,000 is
// the cost of one entity.
func BenchmarkYAML(b *testing.B) {
	data := catalogFile(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		docs, err := YAML("bench.yaml", data)
		if err != nil || len(docs) != 1000 {
			b.Fatalf("YAML: %v, %d documents", err, len(docs))
		}
	}
}

// BenchmarkYAML_Nodes compares the fast path with yaml.v3 on the same file,
// node trees only.
func BenchmarkYAML_Nodes(b *testing.B) {
	data := catalogFile(1000)
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, ok := fastDocuments(data, &arena{}); !ok {
				b.Fatal("fast path refused the file")
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := slowNodes("bench.yaml", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
