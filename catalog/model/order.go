package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// KeyOrder records the order of the object keys of a document, so an entity
// re-encoded after processing keeps its author's order, as Backstage does.
// The order is visible: a Template's parameter properties are its form's
// fields, in order.
type KeyOrder struct {
	keys     []string
	children map[string]*KeyOrder // by key, or "#<index>" for array items
}

// Child returns the order of the value under key (an object key or
// "#<index>"), or nil.
func (o *KeyOrder) Child(key string) *KeyOrder {
	if o == nil {
		return nil
	}
	return o.children[key]
}

// Add appends key and returns the order of its value.
func (o *KeyOrder) Add(key string) *KeyOrder {
	if o.children == nil {
		o.children = map[string]*KeyOrder{}
	}
	o.keys = append(o.keys, key)
	c := &KeyOrder{}
	o.children[key] = c
	return c
}

// Item returns the order of array item i, creating it.
func (o *KeyOrder) Item(i int) *KeyOrder {
	if o.children == nil {
		o.children = map[string]*KeyOrder{}
	}
	k := "#" + strconv.Itoa(i)
	c, ok := o.children[k]
	if !ok {
		c = &KeyOrder{}
		o.children[k] = c
	}
	return c
}

// OrderOf reads the key order of a JSON document with a small scanner (a
// tenth of json.Decoder's cost). Input that is not valid JSON yields the
// order read so far.
func OrderOf(data []byte) *KeyOrder {
	root := &KeyOrder{}
	sc := scanner{data: data}
	sc.value(root, 0)
	return root
}

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value reads one value, recording object keys into o; it reports false
// on malformed input.
func (s *scanner) value(o *KeyOrder, depth int) bool {
	s.skipSpace()
	if s.pos >= len(s.data) || depth > 1000 {
		return false
	}
	switch s.data[s.pos] {
	case '{':
		s.pos++
		for {
			s.skipSpace()
			if s.pos < len(s.data) && s.data[s.pos] == '}' {
				s.pos++
				return true
			}
			key, ok := s.str()
			if !ok {
				return false
			}
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return false
			}
			s.pos++
			if !s.value(o.Add(key), depth+1) || !s.comma('}') {
				return false
			}
		}
	case '[':
		s.pos++
		for i := 0; ; i++ {
			s.skipSpace()
			if s.pos < len(s.data) && s.data[s.pos] == ']' {
				s.pos++
				return true
			}
			if !s.value(o.Item(i), depth+1) || !s.comma(']') {
				return false
			}
		}
	case '"':
		_, ok := s.str()
		return ok
	}
	for s.pos < len(s.data) && !bytes.ContainsAny(s.data[s.pos:s.pos+1], ",}] \t\n\r") {
		s.pos++
	}
	return true
}

// comma consumes a ',' or leaves the closing delimiter for the caller.
func (s *scanner) comma(closing byte) bool {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == ',' {
		s.pos++
		return true
	}
	return s.pos < len(s.data) && s.data[s.pos] == closing
}

// str reads a JSON string; escapes are decoded by encoding/json.
func (s *scanner) str() (string, bool) {
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return "", false
	}
	start, escaped := s.pos, false
	for s.pos++; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			escaped = true
			s.pos++
		case '"':
			s.pos++
			raw := s.data[start:s.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), true
			}
			var out string
			return out, json.Unmarshal(raw, &out) == nil
		}
	}
	return "", false
}

// MarshalOrdered encodes v as JSON with object keys in o's order; keys o
// does not know follow, sorted. Strings are not HTML-escaped.
func MarshalOrdered(v any, o *KeyOrder) ([]byte, error) {
	bp := buffers.Get().(*[]byte)
	b, err := appendOrdered((*bp)[:0], v, o)
	if err != nil {
		return nil, err
	}
	// An exact-size copy: the catalog index keeps these bytes for every
	// entity, and append's spare capacity would double its memory.
	out := bytes.Clone(b)
	*bp = b[:0]
	buffers.Put(bp)
	return out, nil
}

var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func appendOrdered(b []byte, v any, o *KeyOrder) ([]byte, error) {
	switch x := v.(type) {
	case map[string]any:
		return appendObject(b, x, o)
	case Entity:
		return appendObject(b, x, o)
	case []any:
		b = append(b, '[')
		for i, item := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendOrdered(b, item, o.Child("#"+strconv.Itoa(i))); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case string:
		return AppendJSONString(b, x), nil
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode entity: %w", err)
	}
	return append(b, data...), nil
}

func appendObject(b []byte, m map[string]any, o *KeyOrder) ([]byte, error) {
	b = append(b, '{')
	first := true
	write := func(k string) error {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendJSONString(b, k)
		b = append(b, ':')
		var err error
		b, err = appendOrdered(b, m[k], o.Child(k))
		return err
	}
	seen := 0
	if o != nil {
		for _, k := range o.keys {
			if _, ok := m[k]; ok {
				seen++
				if err := write(k); err != nil {
					return nil, err
				}
			}
		}
	}
	if seen < len(m) {
		rest := make([]string, 0, len(m)-seen)
		for k := range m {
			if o == nil || o.children[k] == nil {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range rest {
			if err := write(k); err != nil {
				return nil, err
			}
		}
	}
	return append(b, '}'), nil
}

// AppendJSONString appends s as a JSON string literal, escaping like
// JSON.stringify: quotes, backslashes and control characters only.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
