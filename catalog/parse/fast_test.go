package parse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// slowDocuments parses with yaml.v3 alone, leaving out empty documents as
// the fast path does.
func slowDocuments(data []byte) ([]*yaml.Node, error) {
	var out []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(n.Content) == 1 && n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null" && n.Content[0].Value == "" {
			continue
		}
		out = append(out, n)
	}
}

// sameNodes compares what the decoder and Position use: kind, tag, value,
// style and position.
func sameNodes(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Style != b.Style || a.Line != b.Line || a.Column != b.Column {
		return fmt.Errorf("%s: fast %d %s %q style %d at %d:%d, yaml.v3 %d %s %q style %d at %d:%d", path,
			a.Kind, a.Tag, a.Value, a.Style, a.Line, a.Column, b.Kind, b.Tag, b.Value, b.Style, b.Line, b.Column)
	}
	if len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: fast has %d children, yaml.v3 %d", path, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if err := sameNodes(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkFast fails when the fast path answers differently from yaml.v3.
func checkFast(t *testing.T, data []byte) (used bool) {
	t.Helper()
	fast, ok := fastDocuments(data, &arena{})
	if !ok {
		return false
	}
	slow, err := slowDocuments(data)
	if err != nil {
		t.Fatalf("fast path accepted what yaml.v3 rejects (%v):\n%s", err, data)
	}
	if len(fast) != len(slow) {
		t.Fatalf("fast path read %d documents, yaml.v3 %d:\n%s", len(fast), len(slow), data)
	}
	for i := range fast {
		if err := sameNodes(fast[i], slow[i], fmt.Sprint("doc", i)); err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
	}
	return true
}

var fastCases = []string{
	"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  tags: [a, 'b', \"c\"]\n  empty: []\n  m: {}\nspec:\n  type: service # comment\n  n: 1.5\n  t: true\n  d: 2020-01-01\n",
	"---\n# c\na: 1\n---\n\n---\nb:\n  - x\n  - y: 1\n    z: 2\n  - - nested\n",
	"a:\n- x\n- y\nb: |\n  line 1\n\n    indented\n  line 3\n\n\nc: >-\n  fold\n  me\n\n  para\nd: |+\n  keep\n\ne: 'it''s'\nf: \"q\"\ng: ~\nh:\n",
	"list:\n  - |\n    text\n  - >\n    folded\n  - plain\n<<: {}\n",
	"a: b: c\n", "a: 'x\n  y'\n", "a: [x,\n  y]\n", "a: |2\n   x\n", "a:\n  b: 1\n c: 2\n", "- a\n- b\n",
	"a: &x 1\nb: *x\n", "key with spaces: v\n\"quoted key\": v\n'single': v\n", "a:    spaced\nb: x #c\nc: x#y\n",
	"a: é\nb: ünï: x\nc: [é, ü]\n", "a: |\n\n  x\n", "a: >\n  x\n   y\n", "? a\n: b\n", "a: -1\nb: - x\n", "%YAML 1.2\n---\na: 1\n",
	"a: \"\\n\"\n", "--- a\n", "a: 1\n...\nb: 2\n", "a:\n  # comment\n  b: 1\n", "  a: 1\n", "a: [ ]\nb: [a, ]\n",
}

func TestFastPath(t *testing.T) {
	t.Parallel()
	used := 0
	for _, c := range fastCases {
		if checkFast(t, []byte(c)) {
			used++
		}
	}
	files, _ := filepath.Glob("../../schemas/testdata/*/*.yaml")
	more, _ := filepath.Glob("../examples/*.yaml")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if checkFast(t, data) {
			used++
		}
	}
	if !checkFast(t, catalogFile(50)) {
		t.Error("the fast path refused a generated catalog file")
	}
	t.Logf("the fast path read %d of the inputs", used)
}

// FuzzFastPath checks that the fast path and yaml.v3 agree wherever the
// fast path answers.
func FuzzFastPath(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Add(catalogFile(2))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte("\n\n\n\n\n\n\n\n")) || strings.Count(string(data), "\n") > 200 {
			return
		}
		checkFast(t, data)
	})
}
