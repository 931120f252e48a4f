package parse

import (
	"errors"
	"fmt"
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

// TestMap_KeepsFileOrder reads a file of many documents, with broken ones
// among them, on every core: fn sees what YAML sees for the whole file, in
// the same order and at the same lines.
func TestMap_KeepsFileOrder(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 2000 {
		if i%97 == 0 {
			b.WriteString("- not an object\n---\n")
		}
		fmt.Fprintf(&b, "apiVersion: v1\nkind: A\nmetadata:\n  name: a%d\n---\n", i)
	}
	src := []byte(b.String())
	whole, wholeErr := YAML("f.yaml", src)
	type seen struct {
		name string
		line int
	}
	var got []seen
	err := Map("f.yaml", src, func(d Document) seen { return seen{d.Entity.Name(), d.Line} }, func(s seen) error {
		got = append(got, s)
		return nil
	})
	if len(got) != len(whole) {
		t.Fatalf("Map handed over %d documents, YAML read %d", len(got), len(whole))
	}
	for i, d := range whole {
		if got[i] != (seen{d.Entity.Name(), d.Line}) {
			t.Fatalf("document %d: Map %+v, YAML %s at line %d", i, got[i], d.Entity.Name(), d.Line)
		}
	}
	var ve, wholeVE *errs.ValidationError
	if !errors.As(err, &ve) || !errors.As(wholeErr, &wholeVE) || len(ve.Fields) != len(wholeVE.Fields) || len(ve.Fields) != 21 {
		t.Fatalf("problems: Map %v, YAML %v; want 21 from both", err, wholeErr)
	}
	for i := range ve.Fields {
		if ve.Fields[i].Line != wholeVE.Fields[i].Line {
			t.Errorf("problem %d: Map line %d, YAML line %d", i, ve.Fields[i].Line, wholeVE.Fields[i].Line)
		}
	}
}

// TestMap_StopsAtAnError ends the reading at the error fn returns, with
// documents still being parsed ahead.
func TestMap_StopsAtAnError(t *testing.T) {
	t.Parallel()
	src := []byte(strings.Repeat("kind: A\nmetadata: {name: a}\n---\n", 5000))
	stop := errors.New("stop")
	n := 0
	err := Map("f.yaml", src, func(d Document) Document { return d }, func(Document) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Fatalf("err %v after %d documents; want stop after 10", err, n)
	}
}

// TestMapReader_MatchesMap reads the same files from a reader: the same
// documents at the same lines, and the same problems.
func TestMapReader_MatchesMap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("---\n# a comment\n")
	for i := range 3000 {
		if i%97 == 0 {
			b.WriteString("- not an object\n---\n")
		}
		fmt.Fprintf(&b, "apiVersion: v1\nkind: A\nmetadata:\n  name: a%d\n  description: |\n    text\n    --- indented, not a marker\n---\n", i)
	}
	b.WriteString("kind: B\nmetadata: {name: last, long: '" + strings.Repeat("x", 100_000) + "'}") // no final newline
	for _, src := range []string{b.String(), "", "\n", "---\n", "kind: A\nmetadata: {name: a}\n"} {
		type seen struct {
			name string
			line int
		}
		read := func(each func(conv func(Document) seen, fn func(seen) error) error) ([]seen, string) {
			var got []seen
			err := each(func(d Document) seen { return seen{d.Entity.Name(), d.Line} }, func(s seen) error {
				got = append(got, s)
				return nil
			})
			return got, fmt.Sprint(err)
		}
		want, wantErr := read(func(conv func(Document) seen, fn func(seen) error) error {
			return Map("f.yaml", []byte(src), conv, fn)
		})
		got, gotErr := read(func(conv func(Document) seen, fn func(seen) error) error {
			return MapReader("f.yaml", strings.NewReader(src), conv, fn)
		})
		if fmt.Sprint(got) != fmt.Sprint(want) || gotErr != wantErr {
			t.Fatalf("%d bytes: MapReader read %d documents (%s), Map %d (%s)", len(src), len(got), gotErr, len(want), wantErr)
		}
	}
}

func TestMapReader_TooLarge(t *testing.T) {
	t.Parallel()
	line := "# " + strings.Repeat("x", 1000) + "\n"
	src := strings.Repeat(line, MaxFileSize/len(line)+1)
	err := MapReader("f.yaml", strings.NewReader(src), func(d Document) Document { return d }, func(Document) error { return nil })
	if !errors.Is(err, errs.ErrInput) || !strings.Contains(err.Error(), "more than the limit") {
		t.Fatalf("err = %v, want a too-large input error", err)
	}
}
