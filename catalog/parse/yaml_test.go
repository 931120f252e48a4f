package parse

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
)

func TestYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []model.Entity
		wantErr string
	}{
		{
			name: "two documents, empty ones skipped",
			in:   "---\n# only a comment\n---\nkind: A\n---\n---\nkind: B\nn: [1, 2.5, -3]\n...\n",
			want: []model.Entity{{"kind": "A"}, {"kind": "B", "n": []any{1.0, 2.5, -3.0}}},
		},
		{
			name: "scalars decode to JSON values",
			in:   "s: x\nq: '1'\nt: true\nf: False\nn: ~\ni: 0x10\ne: 1e3\nd: 2020-01-02\nb: !!binary aGk=\nc: !custom v\n",
			want: []model.Entity{{"s": "x", "q": "1", "t": true, "f": false, "n": nil, "i": 16.0, "e": 1000.0, "d": "2020-01-02", "b": "aGk=", "c": "v"}},
		},
		{
			name: "null document is empty",
			in:   "~\n---\na: 1\n",
			want: []model.Entity{{"a": 1.0}},
		},
		{
			name: "merge keys",
			in:   "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nl:\n  <<: [{p: 1}, {p: 2, q: 2}]\n",
			want: []model.Entity{{"base": map[string]any{"x": 1.0, "y": 2.0}, "m": map[string]any{"x": 1.0, "y": 3.0}, "l": map[string]any{"p": 1.0, "q": 2.0}}},
		},
		{
			name:    "list at the root",
			in:      "a: 1\n---\n- x\n",
			want:    []model.Entity{{"a": 1.0}},
			wantErr: "f.yaml:3:1: expected an object at the root of the document, got a list",
		},
		{
			name:    "string at the root",
			in:      "hello\n",
			wantErr: "f.yaml:1:1: expected an object at the root of the document, got a string",
		},
		{
			name:    "syntax error",
			in:      "a: 1\nb: [1, 2\nc: 3\n",
			wantErr: "f.yaml:1:1: invalid YAML: did not find expected ',' or ']'",
		},
		{
			name:    "tab indentation",
			in:      "a:\n\tb: 1\n",
			wantErr: "f.yaml:2:1: invalid YAML: found character that cannot start any token",
		},
		{
			name:    "number key",
			in:      "metadata:\n  1: x\n",
			wantErr: "f.yaml:2:3: object keys must be strings, got a number; quote the key: \"1\"",
		},
		{
			name:    "object key",
			in:      "? {a: 1}\n: x\n",
			wantErr: "f.yaml:1:3: object keys must be strings, got an object",
		},
		{
			name:    "repeated key",
			in:      "kind: A\nmetadata:\n  name: x\n  name: y\n",
			wantErr: "f.yaml:4:3: key \"name\" is repeated in this object",
		},
		{
			name:    "not a number in JSON",
			in:      "a: .nan\n",
			wantErr: "f.yaml:1:4: number .nan cannot be represented in JSON",
		},
		{
			name:    "bad merge",
			in:      "a:\n  <<: 5\n",
			wantErr: "f.yaml:2:7: a merge (<<) needs an object or a list of objects",
		},
		{
			name:    "too deep",
			in:      "a: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
			wantErr: "f.yaml:1:67: values nest more than 64 levels deep",
		},
		{
			name:    "alias loop",
			in:      "a: &x\n  b: *x\n",
			wantErr: "f.yaml:1:4: values nest more than 64 levels deep",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs, err := YAML("f.yaml", []byte(tt.in))
			var got []model.Entity
			for _, d := range docs {
				got = append(got, d.Entity)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entities (-want +got):\n%s", diff)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				if !errors.Is(err, errs.ErrInput) {
					t.Errorf("error %v does not match errs.ErrInput", err)
				}
			}
			if gotErr != tt.wantErr {
				t.Errorf("error:\n got %q\nwant %q", gotErr, tt.wantErr)
			}
		})
	}
}

func TestYAML_RoundTrip(t *testing.T) {
	t.Parallel()
	in := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  tags: [a, b]\nspec:\n  replicas: 3\n  ratio: 0.25\n  on: yes\n  enabled: true\n  none: null\n  big: 12345678901234567890\n"
	docs, err := YAML("f.yaml", []byte(in))
	if err != nil || len(docs) != 1 {
		t.Fatalf("YAML: %v, %d documents", err, len(docs))
	}
	b, err := json.Marshal(docs[0].Entity)
	if err != nil {
		t.Fatal(err)
	}
	var back model.Entity
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(docs[0].Entity, back); diff != "" {
		t.Errorf("JSON round trip changed the entity (-parsed +round trip):\n%s", diff)
	}
	if docs[0].Entity.Spec()["on"] != "yes" {
		t.Errorf("yes decoded to %v, want the string \"yes\" (YAML 1.2)", docs[0].Entity.Spec()["on"])
	}
}

func TestYAML_Limits(t *testing.T) {
	t.Parallel()
	t.Run("billion laughs", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i < 10; i++ {
			b.WriteString("a" + itoa(i) + ": &a" + itoa(i) + " [")
			for j := 0; j < 10; j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("*a" + itoa(i-1))
			}
			b.WriteString("]\n")
		}
		start := time.Now()
		_, err := YAML("bomb.yaml", []byte(b.String()))
		if err == nil || !strings.Contains(err.Error(), "refusing a possible alias bomb") {
			t.Fatalf("err = %v, want an alias bomb error", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v to refuse the alias bomb", d)
		}
	})
	t.Run("file too big", func(t *testing.T) {
		t.Parallel()
		_, err := YAML("big.yaml", make([]byte, MaxFileSize+1))
		want := "big.yaml: file is 67108865 bytes, more than the limit of 67108864"
		if err == nil || err.Error() != want || !errors.Is(err, errs.ErrInput) {
			t.Fatalf("err = %v, want %q", err, want)
		}
	})
}

func TestDocument_Position(t *testing.T) {
	t.Parallel()
	in := "---\napiVersion: v1\nkind: Component\nmetadata:\n  name: x\n  tags:\n    - a\n    - 'b'\n  links:\n    - url: u\n      title: t\nbase: &b\n  owner: me\nspec:\n  <<: *b\n  type: service\n"
	docs, err := YAML("f.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	d := docs[0]
	if d.Line != 1 {
		t.Errorf("Line = %d, want 1", d.Line)
	}
	tests := []struct {
		path      string
		line, col int
	}{
		{"", 2, 1},
		{"kind", 3, 7},
		{"metadata", 4, 1},
		{"metadata.name", 5, 9},
		{"metadata.tags", 6, 3},
		{"metadata.tags.1", 8, 7},
		{"metadata.tags.9", 6, 3},
		{"metadata.links.0", 10, 7},
		{"metadata.links.0.title", 11, 14},
		{"metadata.missing.deeper", 4, 1},
		{"spec.type", 16, 9},
		{"spec.owner", 13, 10},
		{"spec.lifecycle", 14, 1},
	}
	for _, tt := range tests {
		var path []string
		if tt.path != "" {
			path = strings.Split(tt.path, ".")
		}
		line, col := d.Position(path)
		if line != tt.line || col != tt.col {
			t.Errorf("Position(%s) = %d:%d, want %d:%d", tt.path, line, col, tt.line, tt.col)
		}
	}
	if line, col := (Document{}).Position([]string{"a"}); line != 0 || col != 0 {
		t.Errorf("Position without a node = %d:%d, want 0:0", line, col)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }
