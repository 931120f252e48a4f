package query

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// ParsePredicate parses a predicate in the §1.3 grammar, with the checks of
// Backstage's zod schema (@backstage/filter-predicates) followed by those the
// catalog applies when it builds SQL. The root must be an object; {} yields
// the empty predicate. Failures are InputErrors whose message starts with
// "Invalid query: " for grammar errors, or carries the catalog's own wording
// for unsupported $contains forms.
//
// Matcher objects are read like zod's non-strict union does: the first of
// $exists, $in, $contains and $hasPrefix with a valid operand wins, and other
// members are ignored.
func ParsePredicate(raw json.RawMessage) (Predicate, error) {
	v, err := parseJSON(raw)
	if err != nil {
		return Predicate{}, errs.Input("Invalid query: %s", err)
	}
	return predicateFromJSON(v)
}

// predicateFromJSON builds a predicate from a decoded JSON value.
func predicateFromJSON(v jval) (Predicate, error) {
	n, err := parseNode(v, nil)
	if err != nil {
		return Predicate{}, err
	}
	if n.kind == pFields && len(n.conds) == 0 {
		return Predicate{}, nil
	}
	return Predicate{n}, nil
}

// invalid builds a grammar error located at path, in the shape of
// zod-validation-error's messages.
func invalid(path []string, format string, args ...any) error {
	msg := "Invalid query: Validation error: " + fmt.Sprintf(format, args...)
	if len(path) > 0 {
		msg += ` at "` + strings.Join(path, ".") + `"`
	}
	return errs.Input("%s", msg)
}

func parseNode(v jval, path []string) (*pnode, error) {
	if v.kind != jObj {
		return nil, invalid(path, "Expected object, received %s", v.describe())
	}
	for _, m := range v.obj {
		if strings.HasPrefix(m.key, "$") {
			return parseLogical(v, path)
		}
	}
	n := &pnode{kind: pFields, conds: make([]cond, 0, len(v.obj))}
	for _, m := range v.obj {
		p := append(path[:len(path):len(path)], m.key)
		if !validFieldKey(m.key) {
			return nil, invalid(p, "Invalid field key")
		}
		c, err := parseCond(m.key, m.val, p)
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, c)
	}
	return n, nil
}

// parseLogical parses {$all: [...]}, {$any: [...]} or {$not: P}; each must be
// the only member of its object.
func parseLogical(v jval, path []string) (*pnode, error) {
	m := v.obj[0]
	p := append(path[:len(path):len(path)], m.key)
	if len(v.obj) != 1 {
		return nil, invalid(path, "Logical operators must stand alone in their object, got keys %s", quoteKeys(v))
	}
	switch m.key {
	case "$not":
		kid, err := parseNode(m.val, p)
		if err != nil {
			return nil, err
		}
		return &pnode{kind: pNot, kids: []*pnode{kid}}, nil
	case "$all", "$any":
		if m.val.kind != jArr {
			return nil, invalid(p, "Expected array, received %s", m.val.describe())
		}
		n := &pnode{kind: pAll, kids: make([]*pnode, 0, len(m.val.arr))}
		if m.key == "$any" {
			n.kind = pAny
		}
		for i, item := range m.val.arr {
			kid, err := parseNode(item, append(p[:len(p):len(p)], strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		return n, nil
	}
	return nil, invalid(p, "Unknown operator %q", m.key)
}

func quoteKeys(v jval) string {
	keys := make([]string, len(v.obj))
	for i, m := range v.obj {
		keys[i] = strconv.Quote(m.key)
	}
	return strings.Join(keys, ", ")
}

// validFieldKey mirrors the schema's key pattern /^(?:[^$\n\r].*)?$/: keys
// may be empty, must not start with '$' and hold no line terminators.
func validFieldKey(k string) bool {
	if strings.HasPrefix(k, "$") {
		return false
	}
	return !strings.ContainsAny(k, "\n\r\u2028\u2029")
}

// parseCond parses the matcher V of one field entry.
func parseCond(key string, v jval, path []string) (cond, error) {
	c := cond{key: key, lkey: jsLower(key)}
	s, ok := zodValue(v)
	if !ok {
		return cond{}, invalid(path, "Expected a primitive value or one of $exists, $in, $contains, $hasPrefix, received %s", v.describe())
	}
	if s.isPrimitive() {
		c.kind, c.vals = cEq, []prim{newPrim(s)}
		return c, nil
	}
	op := s.obj[0]
	switch op.key {
	case "$exists":
		c.kind, c.exists = cExists, op.val.b
	case "$in":
		c.kind, c.vals = cIn, make([]prim, len(op.val.arr))
		for i, item := range op.val.arr {
			c.vals[i] = newPrim(item)
		}
	case "$hasPrefix":
		c.kind, c.prefix = cPrefix, op.val.s
	case "$contains":
		return parseContains(c, op.val)
	}
	return c, nil
}

// parseContains applies the catalog's rules for $contains: a primitive means
// equality, and only the key "relations" takes an object,
// {type, targetRef?}, matched against the relations.<type> rows.
func parseContains(c cond, t jval) (cond, error) {
	if t.isPrimitive() {
		c.kind, c.vals = cContains, []prim{newPrim(t)}
		return c, nil
	}
	if c.lkey != "relations" {
		return cond{}, errs.Input("Object form of $contains is not supported for field %q", c.lkey)
	}
	var typ *string
	seenTarget := false
	for _, m := range t.obj {
		switch strings.ToLower(m.key) {
		case "type":
			if typ != nil {
				return cond{}, errs.Input("Duplicate key %q in $contains for \"relations\"", m.key)
			}
			if m.val.kind != jStr {
				return cond{}, errs.Input(`The $contains operator for "relations" requires a "type" string property`)
			}
			typ = &m.val.s
		case "targetref":
			if seenTarget {
				return cond{}, errs.Input("Duplicate key %q in $contains for \"relations\"", m.key)
			}
			seenTarget = true
			if err := parseTargets(&c, m.val); err != nil {
				return cond{}, err
			}
		default:
			return cond{}, errs.Input(`Unsupported key %q in $contains for "relations". Only "type" and "targetRef" are supported`, m.key)
		}
	}
	if typ == nil || *typ == "" {
		return cond{}, errs.Input(`The $contains operator for "relations" requires a "type" string property`)
	}
	c.kind, c.relType = cRelation, *typ
	c.lkey = "relations." + jsLower(*typ)
	return c, nil
}

// parseTargets reads the targetRef of a relations $contains: a string or
// {$in: [strings]} with at least one entry.
func parseTargets(c *cond, v jval) error {
	s, _ := zodValue(v)
	switch {
	case s.kind == jStr:
		c.vals = []prim{strPrim(s.s)}
		return nil
	case s.kind == jObj && s.obj[0].key == "$in" && allStrings(s.obj[0].val.arr):
		items := s.obj[0].val.arr
		if len(items) == 0 {
			return errs.Input(`Empty "$in" array for $contains on "relations" is not allowed`)
		}
		c.relIn, c.vals = true, make([]prim, len(items))
		for i, item := range items {
			c.vals[i] = strPrim(item.s)
		}
		return nil
	}
	return errs.Input(`Unsupported value in $contains for "relations": expected a string or { "$in": [strings] }, but got %s`, v.appendJSON(nil))
}

func allStrings(vs []jval) bool {
	for _, v := range vs {
		if v.kind != jStr {
			return false
		}
	}
	return true
}

// zodValue validates a value matcher the way the schema's union does and
// returns what zod would hand on: the primitive itself, or an object holding
// only the first operator that validates.
func zodValue(v jval) (jval, bool) {
	if v.isPrimitive() {
		return v, true
	}
	if v.kind != jObj {
		return jval{}, false
	}
	for _, op := range [...]string{"$exists", "$in", "$contains", "$hasPrefix"} {
		arg, ok := v.get(op)
		if ok && zodOperand(op, arg) {
			return jval{kind: jObj, obj: []jmember{{op, arg}}}, true
		}
	}
	return jval{}, false
}

func zodOperand(op string, arg jval) bool {
	switch op {
	case "$exists":
		return arg.kind == jBool
	case "$in":
		if arg.kind != jArr {
			return false
		}
		for _, item := range arg.arr {
			if !item.isPrimitive() {
				return false
			}
		}
		return true
	case "$contains":
		return zodAny(arg)
	}
	return arg.kind == jStr
}

// zodAny validates the operand of $contains: a primitive, a field expression
// or a logical operator over such operands.
func zodAny(v jval) bool {
	if v.isPrimitive() {
		return true
	}
	if v.kind != jObj {
		return false
	}
	for _, m := range v.obj {
		if !strings.HasPrefix(m.key, "$") {
			continue
		}
		if len(v.obj) != 1 {
			return false
		}
		switch m.key {
		case "$not":
			return zodAny(m.val)
		case "$all", "$any":
			if m.val.kind != jArr {
				return false
			}
			for _, item := range m.val.arr {
				if !zodAny(item) {
					return false
				}
			}
			return true
		}
		return false
	}
	for _, m := range v.obj {
		if _, ok := zodValue(m.val); !ok || !validFieldKey(m.key) {
			return false
		}
	}
	return true
}
