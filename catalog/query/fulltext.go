package query

import (
	"strings"
	"unicode/utf8"
)

// FullText is the full-text filter of a by-query request: entities with a
// search row whose key is one of Fields and whose value contains Term.
type FullText struct {
	Term   string   `json:"term"`
	Fields []string `json:"fields,omitempty"`
}

// fullTextSet returns the docs of cand that match the full-text filter, with
// Backstage's semantics: the term is trimmed and lower-cased and matched as
// SQL LIKE '%term%' (so '%' and '_' in the term are wildcards, as in
// SQLite); the keys are lower-cased; without fields the sort key is used, or
// metadata.uid when there is none. A blank term filters nothing.
func (ix *Index) fullTextSet(ft *FullText, sortKey string, cand *docset) *docset {
	if ft == nil {
		return cand
	}
	term := jsLower(strings.TrimSpace(ft.Term))
	if term == "" {
		return cand
	}
	fields := ft.Fields
	if fields == nil {
		fields = []string{sortKey}
		if sortKey == "" {
			fields = []string{"metadata.uid"}
		}
	}
	out := emptySet
	for _, f := range fields {
		k, ok := ix.strs.lookup(jsLower(f))
		if !ok {
			continue
		}
		has := ix.post.get(k, anyVal)
		scan, check := has, cand
		if cand.n < has.n {
			scan, check = cand, has
		}
		var ids []uint32
		scan.each(func(d uint32) bool {
			if !check.has(d) || out.has(d) {
				return true
			}
			for _, r := range keyRows(ix.docs[d].rows, k) {
				if r.val != nullVal && likeContains(ix.strs.str(r.val), term) {
					ids = append(ids, d)
					break
				}
			}
			return true
		})
		out = or(out, idSet(ids))
	}
	return out
}

// likeContains reports whether s matches the SQL pattern '%' + term + '%',
// where '%' in term matches any run of characters and '_' exactly one.
func likeContains(s, term string) bool {
	if !strings.ContainsAny(term, "%_") {
		return strings.Contains(s, term)
	}
	return like(s, "%"+term+"%")
}

// like matches s against an SQL LIKE pattern without an escape character,
// backtracking only to the last '%'.
func like(s, p string) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		if pi < len(p) {
			switch p[pi] {
			case '%':
				star, mark = pi, si
				pi++
				continue
			case '_':
				_, n := utf8.DecodeRuneInString(s[si:])
				si += n
				pi++
				continue
			}
			if p[pi] == s[si] {
				si++
				pi++
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[mark:])
		mark += n
		si, pi = mark, star+1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
