package templating

import (
	"regexp"
	"strings"
)

// nunjucksCompat rewrites the Nunjucks spellings Jinja does not parse,
// inside ${{ }} and {% %} only and outside string literals: === and !==
// become == and !=, and unquoted object keys ({owner: x}) get quotes.
func nunjucksCompat(src string) string {
	if !strings.Contains(src, "===") && !strings.Contains(src, "!==") && !strings.Contains(src, ":") {
		return src
	}
	var b strings.Builder
	rest := src
	for {
		start, open, closer := nextTag(rest)
		if start < 0 {
			b.WriteString(rest)
			return b.String()
		}
		end := strings.Index(rest[start+len(open):], closer)
		if end < 0 {
			b.WriteString(rest)
			return b.String()
		}
		end += start + len(open)
		b.WriteString(rest[:start+len(open)])
		b.WriteString(compatExpr(rest[start+len(open) : end]))
		b.WriteString(closer)
		rest = rest[end+len(closer):]
	}
}

func nextTag(s string) (int, string, string) {
	v := strings.Index(s, "${{")
	blk := strings.Index(s, "{%")
	switch {
	case v < 0 && blk < 0:
		return -1, "", ""
	case blk < 0 || (v >= 0 && v < blk):
		return v, "${{", "}}"
	}
	return blk, "{%", "%}"
}

var unquotedKey = regexp.MustCompile(`([{,]\s*)([A-Za-z_$][A-Za-z0-9_$]*)(\s*:)`)

// compatExpr rewrites one expression, leaving string literals alone.
func compatExpr(expr string) string {
	var b strings.Builder
	var code strings.Builder
	flush := func() {
		c := code.String()
		c = strings.ReplaceAll(c, "===", "==")
		c = strings.ReplaceAll(c, "!==", "!=")
		c = unquotedKey.ReplaceAllString(c, "$1'$2'$3")
		b.WriteString(c)
		code.Reset()
	}
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c != '"' && c != '\'' {
			code.WriteByte(c)
			continue
		}
		flush()
		j := i + 1
		for j < len(expr) && expr[j] != c {
			if expr[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(expr) {
			j = len(expr) - 1
		}
		b.WriteString(expr[i : j+1])
		i = j
	}
	flush()
	return b.String()
}
