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

// builds lists the lazily built structures a search wants: the view of
// its sort key and the text columns of its full-text fields.
type builds struct {
	allowed bool // whether the search may ask for them
	view    string
	texts   []string
}

func (b *builds) empty() bool { return b.view == "" && len(b.texts) == 0 }

// fullTextSet returns the docs of cand that match the full-text filter, with
// Backstage's semantics: the term is trimmed and lower-cased and matched as
// SQL LIKE '%term%' (so '%' and '_' in the term are wildcards, as in
// SQLite); the keys are lower-cased; without fields the sort key is used, or
// metadata.uid when there is none. A blank term filters nothing. Keys
// without a text column are asked for in b, or scanned doc by doc.
func (ix *Index) fullTextSet(ft *FullText, sortKey string, cand *docset, b *builds) *docset {
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
	words := make([]uint64, len(ix.live.bits))
	for _, f := range fields {
		k, ok := ix.strs.lookup(jsLower(f))
		if !ok {
			continue
		}
		col := ix.texts[k]
		switch {
		case col != nil:
			col.used.Store(ix.tick())
			col.match(term, !strings.ContainsAny(term, "%_"), func(v uint32) {
				ix.post.get(k, v).each(func(d uint32) bool { words[d>>6] |= 1 << (d & 63); return true })
			})
		case b.allowed && ix.wantTextCol(k):
			b.texts = append(b.texts, jsLower(f))
		default:
			ix.scanText(k, term, cand, words)
		}
	}
	return and(bitSet(words), cand)
}

// scanText marks in words the docs of cand with a value of key k that
// contains term, visiting each doc's rows.
func (ix *Index) scanText(k uint32, term string, cand *docset, words []uint64) {
	has := ix.post.get(k, anyVal)
	scan, check := has, cand
	if cand.n < has.n {
		scan, check = cand, has
	}
	scan.each(func(d uint32) bool {
		if !check.has(d) {
			return true
		}
		for _, r := range keyRows(ix.docs[d].rows, k) {
			if r.val != nullVal && likeContains(ix.strs.str(r.val), term) {
				words[d>>6] |= 1 << (d & 63)
				break
			}
		}
		return true
	})
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
