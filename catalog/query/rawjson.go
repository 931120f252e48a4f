package query

import (
	"bytes"
	"encoding/json"
	"errors"
)

// The projection reads stored entity JSON without decoding it: it walks the
// members of an object and skips over their values byte by byte, so that a
// projected field costs a scan of the bytes before it, not a full unmarshal
// and re-marshal of the entity.

var errBadJSON = errors.New("malformed entity JSON")

// member returns the raw value of key in the JSON object obj. found is false
// when obj is not an object or has no such member.
func member(obj []byte, key string) (val []byte, found bool, err error) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false, nil
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return nil, false, nil
	}
	for i < len(obj) {
		ks, ke, err := scanString(obj, i)
		if err != nil {
			return nil, false, err
		}
		i = skipSpace(obj, ke)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false, errBadJSON
		}
		vs := skipSpace(obj, i+1)
		ve, err := skipValue(obj, vs)
		if err != nil {
			return nil, false, err
		}
		if keyEquals(obj[ks:ke], key) {
			val, found = obj[vs:ve], true // JSON.parse keeps the last duplicate
		}
		i = skipSpace(obj, ve)
		if i < len(obj) && obj[i] == '}' {
			return val, found, nil
		}
		if i >= len(obj) || obj[i] != ',' {
			return nil, false, errBadJSON
		}
		i = skipSpace(obj, i+1)
	}
	return nil, false, errBadJSON
}

// keyEquals compares a raw JSON string literal (with quotes) to key.
func keyEquals(lit []byte, key string) bool {
	body := lit[1 : len(lit)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body) == key
	}
	var s string
	return json.Unmarshal(lit, &s) == nil && s == key
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// scanString returns the bounds of the string literal starting at i,
// quotes included.
func scanString(b []byte, i int) (int, int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, errBadJSON
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return i, j + 1, nil
		}
	}
	return 0, 0, errBadJSON
}

// skipValue returns the index just after the JSON value starting at i.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errBadJSON
	}
	switch b[i] {
	case '"':
		_, end, err := scanString(b, i)
		return end, err
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, end, err := scanString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errBadJSON
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	if j == i {
		return 0, errBadJSON
	}
	return j, nil
}
