package schemas

import (
	"math"
	"regexp"
	"unicode/utf8"

	"cuelang.org/go/cue"
)

// node is one compiled part of a kind schema. accepts reports true only
// when CUE certainly accepts the data value x at that part; false means
// "don't know" (see the package doc, Fast path). x holds the Go values of a
// parsed entity: map[string]any, []any, string, bool, nil and numbers.
//
// On strings, the scalar nodes are exact: true exactly when CUE accepts. A
// pattern constraint's label is compiled to such a node, and exactness is
// what lets the checker tell that a pattern does not apply to a key.
type node interface {
	accepts(x any) bool
}

// unknown stands for a part the compiler does not understand; the entity
// then goes to CUE.
type unknown struct{}

func (unknown) accepts(any) bool { return false }

// top is CUE's _, which accepts any value that CUE can encode.
type top struct{}

func (top) accepts(x any) bool { return plain(x) }

// stringKind is CUE's string type.
type stringKind struct{}

func (stringKind) accepts(x any) bool {
	s, ok := x.(string)
	return ok && utf8.ValidString(s)
}

// boolKind is CUE's bool type.
type boolKind struct{}

func (boolKind) accepts(x any) bool { _, ok := x.(bool); return ok }

// constant is a concrete string, bool or null.
type constant struct{ value any }

func (l constant) accepts(x any) bool {
	if s, ok := x.(string); ok && !utf8.ValidString(s) {
		return false
	}
	return x == l.value
}

// match is =~ (or !~ when negate is set): CUE matches with Go's regexp.
type match struct {
	re     *regexp.Regexp
	negate bool
}

func (m match) accepts(x any) bool {
	s, ok := x.(string)
	return ok && utf8.ValidString(s) && m.re.MatchString(s) != m.negate
}

// notEqual is != with a string.
type notEqual struct{ value string }

func (n notEqual) accepts(x any) bool {
	s, ok := x.(string)
	return ok && utf8.ValidString(s) && s != n.value
}

// validator is a builtin of CUE's standard library used as a constraint,
// such as net.AbsURL, run through the same Go function CUE calls.
type validator struct{ fn func(string) (bool, error) }

func (v validator) accepts(x any) bool {
	s, ok := x.(string)
	if !ok || !utf8.ValidString(s) {
		return false
	}
	valid, err := v.fn(s)
	return valid && err == nil
}

// allOf is a conjunction.
type allOf []node

func (a allOf) accepts(x any) bool {
	for _, n := range a {
		if !n.accepts(x) {
			return false
		}
	}
	return true
}

// anyOf is a disjunction. CUE accepts a value that one disjunct accepts,
// but rejects a struct or list that two disjuncts accept with different
// results, so for those the disjunct must be the only one whose kinds
// admit the value. Two disjuncts that accept a scalar both give that scalar.
type anyOf []alternative

// alternative is one disjunct with the kinds of value it may accept.
type alternative struct {
	kinds cue.Kind
	node  node
}

func (a anyOf) accepts(x any) bool {
	k := kindOf(x)
	if k == cue.BottomKind {
		return false
	}
	candidates, accepted := 0, false
	for _, alt := range a {
		if alt.kinds&k != 0 {
			candidates++
			accepted = accepted || alt.node.accepts(x)
		}
	}
	if k&(cue.StructKind|cue.ListKind) != 0 && candidates != 1 {
		return false
	}
	return accepted
}

// list is an open list, [...elem].
type list struct{ elem node }

func (l list) accepts(x any) bool {
	items, ok := x.([]any)
	if !ok {
		return false
	}
	for _, item := range items {
		if !l.elem.accepts(item) {
			return false
		}
	}
	return true
}

// kindOf is the CUE kind of a data value, or BottomKind for a Go value the
// checker leaves to CUE.
func kindOf(x any) cue.Kind {
	switch v := x.(type) {
	case string:
		return cue.StringKind
	case bool:
		return cue.BoolKind
	case nil:
		return cue.NullKind
	case map[string]any:
		return cue.StructKind
	case []any:
		return cue.ListKind
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return cue.BottomKind
		}
		return cue.NumberKind
	case int64, int:
		return cue.IntKind
	}
	return cue.BottomKind
}

// plain reports whether CUE can encode x as it is: JSON values with valid
// UTF-8 text and finite numbers. cue.Context.Encode would replace invalid
// UTF-8 in strings, and it fails on NaN and on Go types it does not know,
// so the checker leaves all of those to CUE.
func plain(x any) bool {
	switch v := x.(type) {
	case string:
		return utf8.ValidString(v)
	case map[string]any:
		for k, e := range v {
			if !utf8.ValidString(k) || !plain(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range v {
			if !plain(e) {
				return false
			}
		}
		return true
	}
	return kindOf(x) != cue.BottomKind
}
