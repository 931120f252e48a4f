package query

import (
	"github.com/stackyard/stackyard/catalog/model"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// ParseFilters converts the values of the repeated ?filter= query parameter,
// already URL-decoded, into a predicate, exactly as Backstage's
// parseEntityFilterParams does:
//
//   - each value is one filter set; the sets are ORed ({"$any": [...]});
//   - a set is split on ',' into statements, each trimmed, empty ones dropped;
//   - a statement is split on its first '='; the key and value are trimmed;
//     "a=" matches the empty value and a bare "a" is an existence test;
//   - a key repeated within a set means any of its values ({"$in": [...]});
//     different keys are ANDed ({"$all": [...]});
//   - a set with no statements is ignored.
//
// Invalid UTF-8 bytes become U+FFFD, as in JSON and JavaScript strings.
// No sets (or only empty ones) give the empty predicate. A statement with an
// empty key, or a key starting with '$' (which Backstage would read as an
// operator), is an InputError.
func ParseFilters(sets []string) (Predicate, error) {
	var outer []*pnode
	for _, set := range sets {
		conds, err := parseFilterSet(validUTF8(set))
		if err != nil {
			return Predicate{}, err
		}
		if len(conds) == 0 {
			continue
		}
		if len(conds) == 1 {
			outer = append(outer, &pnode{kind: pFields, conds: conds})
			continue
		}
		all := &pnode{kind: pAll, kids: make([]*pnode, len(conds))}
		for i := range conds {
			all.kids[i] = &pnode{kind: pFields, conds: conds[i : i+1 : i+1]}
		}
		outer = append(outer, all)
	}
	switch len(outer) {
	case 0:
		return Predicate{}, nil
	case 1:
		return Predicate{outer[0]}, nil
	}
	return Predicate{&pnode{kind: pAny, kids: outer}}, nil
}

// parseFilterSet parses one filter set into one condition per key, in the
// order the keys first appear.
func parseFilterSet(set string) ([]cond, error) {
	type entry struct {
		key    string
		values []string
		hasVal bool
	}
	var entries []*entry
	byKey := map[string]*entry{}
	for _, stmt := range strings.Split(set, ",") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		key, value, hasValue := strings.Cut(stmt, "=")
		key = strings.TrimSpace(key)
		if key == "" {
			return nil, errs.Input("Invalid filter, '%s' is not a valid statement (expected a string on the form a=b or a= or a)", stmt)
		}
		e := byKey[key]
		if e == nil {
			e = &entry{key: key}
			byKey[key] = e
			entries = append(entries, e)
		}
		if hasValue {
			e.hasVal = true
			e.values = append(e.values, strings.TrimSpace(value))
		}
	}
	conds := make([]cond, len(entries))
	for i, e := range entries {
		conds[i] = filterCond(e.key, e.values, e.hasVal)
		if strings.HasPrefix(e.key, "$") {
			return nil, operatorKeyError(conds[i])
		}
	}
	return conds, nil
}

// operatorKeyError is the error Backstage raises when a filter key, turned
// into a predicate, reads as a logical operator.
func operatorKeyError(c cond) error {
	if c.key == "$not" && c.kind == cEq {
		lit := model.AppendJSONString(nil, c.vals[0].lit)
		return errs.Input("Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { \"kind\": %s }", lit)
	}
	got := (&pnode{kind: pFields, conds: []cond{c}}).appendJSON(nil)
	if c.key == "$not" {
		got = c.appendMatcher(nil)
	}
	return errs.Input("Invalid filter predicate: operators must be a single $all or $any with an array, or $not, but got %s", got)
}

// filterCond converts one filter key and its values the way Backstage's
// searchFilterToPredicate does.
func filterCond(key string, values []string, hasValues bool) cond {
	c := cond{key: key, lkey: jsLower(key)}
	switch {
	case !hasValues:
		c.kind, c.exists = cExists, true
	case len(values) == 1:
		c.kind, c.vals = cEq, []prim{strPrim(values[0])}
	default:
		c.kind, c.vals = cIn, make([]prim, len(values))
		for i, v := range values {
			c.vals[i] = strPrim(v)
		}
	}
	return c
}

// legacyFilter converts Backstage's older EntityFilter shape ({key, values?},
// {not}, {anyOf}, {allOf}), which cursors of older servers carry under
// "filter", into a predicate node.
func legacyFilter(v jval, depth int) (*pnode, bool) {
	if v.kind != jObj || depth > maxJSONDepth {
		return nil, false
	}
	if k, ok := v.get("key"); ok && k.kind == jStr {
		vals, has := v.get("values")
		if !has {
			return &pnode{kind: pFields, conds: []cond{filterCond(k.s, nil, false)}}, true
		}
		if vals.kind != jArr || !allStrings(vals.arr) {
			return nil, false
		}
		strs := make([]string, len(vals.arr))
		for i, s := range vals.arr {
			strs[i] = s.s
		}
		return &pnode{kind: pFields, conds: []cond{filterCond(k.s, strs, true)}}, true
	}
	if n, ok := v.get("not"); ok {
		kid, ok := legacyFilter(n, depth+1)
		return &pnode{kind: pNot, kids: []*pnode{kid}}, ok
	}
	kind, list := pAny, jval{}
	if l, ok := v.get("anyOf"); ok {
		list = l
	} else if l, ok := v.get("allOf"); ok {
		kind, list = pAll, l
	}
	if list.kind != jArr {
		return nil, false
	}
	n := &pnode{kind: kind}
	for _, item := range list.arr {
		kid, ok := legacyFilter(item, depth+1)
		if !ok {
			return nil, false
		}
		n.kids = append(n.kids, kid)
	}
	return n, true
}
