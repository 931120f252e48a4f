package parse

import (
	"encoding/json"
	"testing"
)

// FuzzYAML checks that no input makes the reader panic, and that whatever it
// decodes is plain JSON.
func FuzzYAML(f *testing.F) {
	seeds := []string{
		"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec: {type: service}\n",
		"---\na: 1\n---\n- b\n",
		"a: &x [1, 2]\nb: *x\nc: {<<: {d: 1}}\n",
		"a: |\n  text\n  more\nb: >-\n  folded\n",
		"? [a]\n: b\n",
		"a: !!binary aGk=\nb: 2020-01-01\nc: .inf\n",
		"%YAML 1.1\n---\na: b\n",
		"a: &a\n  b: *a\n",
		"{\"json\": [true, null, 1.5e3]}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, _ := YAML("fuzz.yaml", data)
		for _, d := range docs {
			if _, err := json.Marshal(d.Entity); err != nil {
				t.Fatalf("entity is not JSON: %v", err)
			}
			d.Position([]string{"metadata", "name"})
			d.Position([]string{"0", "a", "b"})
		}
	})
}
