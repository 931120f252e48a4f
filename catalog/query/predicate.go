package query

import "github.com/stackyard/stackyard/catalog/model"

import "strconv"

// Predicate is a parsed entity filter: the predicate grammar of POST
// /entities/by-query, or filter sets converted to it. The zero value matches
// every entity. Predicates are immutable and safe for concurrent use.
type Predicate struct {
	root *pnode
}

// pkind is the type of a predicate node.
type pkind uint8

const (
	pAll    pkind = iota // every kid holds; no kids is true
	pAny                 // some kid holds; no kids is false
	pNot                 // kids[0] does not hold
	pFields              // every cond holds; no conds is true
)

// pnode is a node of the predicate tree.
type pnode struct {
	kind  pkind
	kids  []*pnode
	conds []cond
}

// ckind is the type of a field condition.
type ckind uint8

const (
	cEq       ckind = iota // a row key=vals[0]
	cIn                    // a row key=any of vals
	cExists                // a row with key exists (or, with !exists, none does)
	cPrefix                // a row key with a value starting with prefix
	cContains              // {$contains: primitive}: same as cEq
	cRelation              // {$contains: {type, targetRef}} on "relations"
)

// cond is one "<key>: <matcher>" entry of a field expression.
type cond struct {
	key    string // as written; matched lower-cased
	lkey   string // the search key that is matched
	kind   ckind
	vals   []prim // cEq, cIn, cContains; for cRelation the targets (nil: any)
	exists bool   // cExists
	prefix string // cPrefix, as written
	// cRelation only: the relation type as written, and whether the targets
	// were given as {$in: [...]} rather than a single string.
	relType string
	relIn   bool
}

// prim is a primitive value in a predicate.
type prim struct {
	kind  jkind  // jStr, jNum or jBool
	lit   string // the string, the number literal, or true/false
	match string // String(value), lower-cased: what search values are compared with
}

func newPrim(v jval) prim {
	p := prim{kind: v.kind, lit: v.s}
	switch v.kind {
	case jBool:
		p.lit = strconv.FormatBool(v.b)
		p.match = p.lit
	case jNum:
		// A JSON number literal only fails to parse when out of range, and
		// then ParseFloat returns ±Inf or 0 just as JavaScript would.
		f, _ := strconv.ParseFloat(v.s, 64)
		p.match = jsNumber(f)
	default:
		p.match = jsLower(v.s)
	}
	return p
}

func strPrim(s string) prim {
	return prim{kind: jStr, lit: s, match: jsLower(s)}
}

// IsZero reports whether p is the empty predicate that matches everything.
func (p Predicate) IsZero() bool { return p.root == nil }

// And returns a predicate that holds when both a and b hold. An empty side is
// dropped, so And(Predicate{}, b) is b; otherwise the result is
// {"$all": [a, b]}, as the catalog client builds it.
func And(a, b Predicate) Predicate {
	switch {
	case a.root == nil:
		return b
	case b.root == nil:
		return a
	}
	return Predicate{&pnode{kind: pAll, kids: []*pnode{a.root, b.root}}}
}

// MarshalJSON renders the predicate in the §1.3 grammar. The empty predicate
// renders as {}. ParsePredicate of the output yields an equal predicate.
func (p Predicate) MarshalJSON() ([]byte, error) {
	return p.appendJSON(nil), nil
}

// UnmarshalJSON parses b with ParsePredicate, so request bodies can be
// decoded straight into a Predicate; errors are ParsePredicate's.
func (p *Predicate) UnmarshalJSON(b []byte) error {
	q, err := ParsePredicate(b)
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// String returns the predicate as JSON.
func (p Predicate) String() string { return string(p.appendJSON(nil)) }

func (p Predicate) appendJSON(b []byte) []byte {
	if p.root == nil {
		return append(b, "{}"...)
	}
	return p.root.appendJSON(b)
}

func (n *pnode) appendJSON(b []byte) []byte {
	switch n.kind {
	case pAll, pAny:
		op := `{"$all":[`
		if n.kind == pAny {
			op = `{"$any":[`
		}
		b = append(b, op...)
		for i, k := range n.kids {
			if i > 0 {
				b = append(b, ',')
			}
			b = k.appendJSON(b)
		}
		return append(b, "]}"...)
	case pNot:
		b = append(b, `{"$not":`...)
		b = n.kids[0].appendJSON(b)
		return append(b, '}')
	}
	b = append(b, '{')
	for i, c := range n.conds {
		if i > 0 {
			b = append(b, ',')
		}
		b = model.AppendJSONString(b, c.key)
		b = append(b, ':')
		b = c.appendMatcher(b)
	}
	return append(b, '}')
}

func (c cond) appendMatcher(b []byte) []byte {
	switch c.kind {
	case cEq:
		return c.vals[0].appendJSON(b)
	case cIn:
		b = append(b, `{"$in":`...)
		return append(appendPrims(b, c.vals), '}')
	case cExists:
		return append(b, `{"$exists":`+strconv.FormatBool(c.exists)+`}`...)
	case cPrefix:
		b = append(b, `{"$hasPrefix":`...)
		return append(model.AppendJSONString(b, c.prefix), '}')
	case cContains:
		b = append(b, `{"$contains":`...)
		return append(c.vals[0].appendJSON(b), '}')
	}
	b = append(b, `{"$contains":{"type":`...)
	b = model.AppendJSONString(b, c.relType)
	switch {
	case c.relIn:
		b = append(b, `,"targetRef":{"$in":`...)
		b = append(appendPrims(b, c.vals), '}')
	case c.vals != nil:
		b = append(b, `,"targetRef":`...)
		b = c.vals[0].appendJSON(b)
	}
	return append(b, "}}"...)
}

func appendPrims(b []byte, ps []prim) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.appendJSON(b)
	}
	return append(b, ']')
}

func (p prim) appendJSON(b []byte) []byte {
	if p.kind == jStr {
		return model.AppendJSONString(b, p.lit)
	}
	return append(b, p.lit...)
}
