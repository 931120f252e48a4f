package schemas

import (
	"fmt"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// TestCompiler_Constructs compiles CUE constructs that the catalog schemas
// do not use yet and checks each against CUE: the fast path may say valid
// only where CUE does, and it should say so for the constructs it claims
// to understand. #A is the schema; fast is what the fast path should say.
func TestCompiler_Constructs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		data   map[string]any
		fast   bool
	}{
		{"closed: declared field", `#A: {a?: string}`, map[string]any{"a": "x"}, true},
		{"closed: unknown field", `#A: {a?: string}`, map[string]any{"b": "x"}, false},
		{"open with ...", `#A: {a?: string, ...}`, map[string]any{"z": []any{1.0, "q", map[string]any{}}}, true},
		{"closed nested literal", `#A: {s?: {a?: string}}`, map[string]any{"s": map[string]any{"b": "x"}}, false},
		{"not a definition: left to CUE", `#A: _x, _x: {s?: {a?: string}}`, map[string]any{"s": map[string]any{"b": "x"}}, false},
		{"two definitions", `#A: #B & #C, #B: {a?: string}, #C: {b?: string}`, map[string]any{"a": "x"}, false},
		{"definition that allows more", `#A: #B & #C, #B: {a?: string}, #C: {...}`, map[string]any{"a": "x"}, true},
		{"required field missing", `#A: {a!: string}`, map[string]any{}, false},
		{"regular field missing", `#A: {a: "x", b?: string}`, map[string]any{"b": "y"}, false},
		{"regular field present", `#A: {a: "x", b?: string}`, map[string]any{"a": "x"}, true},
		{"default is one of the values", `#A: {a?: *"x" | "y"}`, map[string]any{"a": "x"}, true},
		{"reference to a sibling", `#A: {a!: string, b?: a}`, map[string]any{"a": "x", "b": "y"}, false},
		{"reference to a sibling, equal", `#A: {a!: string, b?: a}`, map[string]any{"a": "x", "b": "x"}, false},
		{"reference to a package-level field", `#A: {a?: #D.k}, #D: {k: "v"}`, map[string]any{"a": "v"}, true},
		{"reference to a package-level field, other value", `#A: {a?: #D.k}, #D: {k: "v"}`, map[string]any{"a": "w"}, false},
		{"value alias", `#A: X={a?: string, b?: X.a}`, map[string]any{"a": "x", "b": "y"}, false},
		{"if comprehension", `#A: {a?: string, if a != _|_ {b!: string}}`, map[string]any{"a": "x"}, false},
		{"for comprehension", `#A: {l?: [...string], for x in l {(x)!: string}}`, map[string]any{"l": []any{"k"}}, false},
		{"let clause", `#A: {let L = "x", a?: L}`, map[string]any{"a": "y"}, false},
		{"embedded definition", `#A: {#B, c?: string}, #B: {b?: string}`, map[string]any{"b": "x"}, false},
		{"close()", `#A: close({a?: string})`, map[string]any{"a": "x"}, false},
		{"dynamic label", `#A: {("a"): string}`, map[string]any{"a": "x"}, false},
		{"closed list", `#A: {l?: [string, string]}`, map[string]any{"l": []any{"a"}}, false},
		{"open list of anything", `#A: {l?: [...]}`, map[string]any{"l": []any{1.0, "a", nil, map[string]any{"x": true}}}, true},
		{"list element", `#A: {l?: [...=~"^a"]}`, map[string]any{"l": []any{"ab", "b"}}, false},
		{"pattern allows a key", `#A: {[=~"^x"]: string}`, map[string]any{"xa": "s"}, true},
		{"pattern does not match", `#A: {[=~"^x"]: string}`, map[string]any{"ya": "s"}, false},
		{"pattern value", `#A: {[=~"^x"]: =~"^v"}`, map[string]any{"xa": "w"}, false},
		{"pattern with a sibling", `#A: {a?: string, [=~"^b"]: a}`, map[string]any{"a": "x", "b1": "y"}, false},
		{"pattern on a declared field", `#A: {[string]: =~"^z", a?: string}`, map[string]any{"a": "y"}, false},
		{"pattern on a declared field, valid", `#A: {[string]: =~"^z", a?: string}`, map[string]any{"a": "zz"}, true},
		{"scalar or struct", `#A: {a?: "x" | {b?: string}}`, map[string]any{"a": map[string]any{"b": "s"}}, true},
		{"struct or struct", `#A: {a?: {b?: string} | {c?: string}}`, map[string]any{"a": map[string]any{}}, false},
		{"string or bool", `#A: {a?: string | bool}`, map[string]any{"a": true}, true},
		{"number bound", `#A: {n?: >0}`, map[string]any{"n": int64(1)}, false},
		{"builtin with arguments", "import \"strings\"\n#A: {a?: strings.MinRunes(2)}", map[string]any{"a": "x"}, false},
		{"builtin validator", "import \"net\"\n#A: {a?: net.AbsURL}", map[string]any{"a": "rel/x"}, false},
		{"builtin validator, valid", "import \"net\"\n#A: {a?: net.AbsURL}", map[string]any{"a": "https://x"}, true},
		{"null", `#A: {a?: null | string}`, map[string]any{"a": nil}, true},
		{"null for a string", `#A: {a?: string}`, map[string]any{"a": nil}, false},
		{"keys like a definition and a hidden field", `#A: {...}`, map[string]any{"#d": "x", "_h": "y"}, true},
		{"keys like a definition in a closed struct", `#A: {a?: string}`, map[string]any{"#a": "x"}, false},
		{"pattern in another literal", `#A: #B & {[string]: string}, #B: {a?: string}`, map[string]any{"z": "x"}, false},
		{"pattern label disjunction", `#A: {[=~"^a" | =~"^b"]: string}`, map[string]any{"bz": "x"}, true},
		{"pattern label !=", `#A: {[!="a"]: string}`, map[string]any{"a": "x"}, false},
		{"recursive definition", `#A: {c?: [...#A], n?: string}`, map[string]any{"n": "x"}, true},
		{"recursive definition, recursion", `#A: {c?: [...#A], n?: string}`, map[string]any{"c": []any{map[string]any{"n": "x"}}}, false},
		{"doubly recursive definition", `#A: {a?: #A, b?: #A, n?: string}`, map[string]any{"n": "x"}, true},
		{"non-concrete hidden field", `#A: {a?: _h}, _h: =~"^h"`, map[string]any{"a": "hh"}, true},
		{"sibling reference among conjuncts", `#A: #B & #C, #B: {a?: "x", b?: string}, #C: {a?: "x", b?: a}`, map[string]any{"b": "x"}, false},
		{"sibling reference among conjuncts, present", `#A: #B & #C, #B: {a!: "x", b?: string}, #C: {a!: "x", b?: a}`, map[string]any{"a": "x", "b": "x"}, false},
		{"conflicting conjuncts", `#A: {a?: "x"} & {a?: "y"}`, map[string]any{"a": "x"}, false},
	}
	ctx := cuecontext.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg := ctx.CompileString(tt.schema)
			if err := pkg.Err(); err != nil {
				t.Fatal(err)
			}
			schema := pkg.LookupPath(cue.ParsePath("#A"))
			c := newCompiler()
			fast := c.node(schema, "#A", 0).accepts(tt.data)
			err := schema.Unify(ctx.Encode(tt.data, cue.NilIsAny(false))).Validate(cue.Concrete(true))
			if fast && err != nil {
				t.Errorf("fast path says valid, CUE says %v", err)
			}
			if fast != tt.fast {
				t.Errorf("fast path = %v, want %v (left to CUE: %v; CUE: %v)", fast, tt.fast, c.fallbacks, err)
			}
		})
	}
}

// TestCompiler_TooLarge checks that the compiler stops at maxNodes, notes
// it once, and keeps what it compiled before.
func TestCompiler_TooLarge(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	src.WriteString("#A: {\n")
	for i := range maxNodes + 10 {
		fmt.Fprintf(&src, "f%d?: string\n", i)
	}
	src.WriteString("}\n")
	ctx := cuecontext.New()
	schema := ctx.CompileString(src.String()).LookupPath(cue.ParsePath("#A"))
	c := newCompiler()
	n := c.node(schema, "#A", 0)
	if len(c.fallbacks) != 1 || !strings.Contains(c.fallbacks[0], errTooLarge.Error()) {
		t.Errorf("fallbacks = %v, want one too large", c.fallbacks)
	}
	if !n.accepts(map[string]any{"f0": "x"}) {
		t.Error("the first field was not compiled")
	}
}
