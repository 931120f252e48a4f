package parse

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/internal/errs"
)

func TestEach_MatchesYAML(t *testing.T) {
	t.Parallel()
	src := "apiVersion: v1\nkind: A\nmetadata:\n  name: a\n---\n# empty\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: b\n  description: |\n    text\n    --- not a marker, indented\n---\nkind: C\nmetadata: {name: c}\n"
	whole, err := YAML("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var each []Document
	if err := Each("f.yaml", []byte(src), func(d Document) error { each = append(each, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(each) != len(whole) {
		t.Fatalf("Each read %d documents, YAML %d", len(each), len(whole))
	}
	for i := range whole {
		if each[i].Line != whole[i].Line || each[i].Entity.Name() != whole[i].Entity.Name() {
			t.Errorf("doc %d: Each line %d name %q, YAML line %d name %q", i, each[i].Line, each[i].Entity.Name(), whole[i].Line, whole[i].Entity.Name())
		}
		l1, c1 := each[i].Position([]string{"metadata", "name"})
		l2, c2 := whole[i].Position([]string{"metadata", "name"})
		if l1 != l2 || c1 != c2 {
			t.Errorf("doc %d: Each position %d:%d, YAML %d:%d", i, l1, c1, l2, c2)
		}
	}
}

func TestEach_ProblemsKeepFileLines(t *testing.T) {
	t.Parallel()
	src := "kind: A\nmetadata: {name: a}\n---\n- not an object\n---\nkind: B\nmetadata: {name: b}\n"
	var names []string
	err := Each("f.yaml", []byte(src), func(d Document) error { names = append(names, d.Entity.Name()); return nil })
	var ve *errs.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Line != 4 {
		t.Fatalf("err = %v, want one problem on line 4", err)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Fatalf("documents = %v", names)
	}
}
