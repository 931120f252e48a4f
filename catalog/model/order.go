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
	keys []string
	kids []*KeyOrder // kids[i] is the order of the value of keys[i]; nil for a scalar
	// items[i] is the order of array item i; nil (or absent) for a scalar
	items []*KeyOrder
	// at finds a key's position once an object has many keys.
	at map[string]int
}

// manyKeys is how many keys an object has before a map finds them.
const manyKeys = 16

// Child returns the order of the value under key, or nil.
func (o *KeyOrder) Child(key string) *KeyOrder {
	if i := o.find(key); i >= 0 {
		return o.kids[i]
	}
	return nil
}

// ItemAt returns the order of array item i, or nil.
func (o *KeyOrder) ItemAt(i int) *KeyOrder {
	if o == nil || i >= len(o.items) {
		return nil
	}
	return o.items[i]
}

// find returns the position of key, or -1.
func (o *KeyOrder) find(key string) int {
	if o == nil {
		return -1
	}
	if o.at != nil {
		if i, ok := o.at[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Add appends key, whose value is an object or array, and returns the
// order of that value.
func (o *KeyOrder) Add(key string) *KeyOrder {
	c := &KeyOrder{}
	o.add(key, c)
	return c
}

// AddScalar appends key, whose value is a scalar: it has no order.
func (o *KeyOrder) AddScalar(key string) { o.add(key, nil) }

func (o *KeyOrder) add(key string, c *KeyOrder) {
	o.keys = append(o.keys, key)
	o.kids = append(o.kids, c)
	if o.at == nil && len(o.keys) > manyKeys {
		o.at = make(map[string]int, 2*len(o.keys))
		for i, k := range o.keys {
			if _, dup := o.at[k]; !dup {
				o.at[k] = i
			}
		}
	} else if _, dup := o.at[key]; o.at != nil && !dup {
		o.at[key] = len(o.keys) - 1
	}
}

// Item returns the order of array item i, whose value is an object or
// array, creating it.
func (o *KeyOrder) Item(i int) *KeyOrder {
	for len(o.items) <= i {
		o.items = append(o.items, nil)
	}
	if o.items[i] == nil {
		o.items[i] = &KeyOrder{}
	}
	return o.items[i]
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
			var child *KeyOrder
			if s.container() {
				child = o.Add(key)
			} else {
				o.AddScalar(key)
			}
			if !s.value(child, depth+1) || !s.comma('}') {
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
			var child *KeyOrder
			if s.container() {
				child = o.Item(i)
			}
			if !s.value(child, depth+1) || !s.comma(']') {
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

// container reports whether the next value is an object or an array.
func (s *scanner) container() bool {
	s.skipSpace()
	return s.pos < len(s.data) && (s.data[s.pos] == '{' || s.data[s.pos] == '[')
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
	var out []byte
	// An exact-size copy: the catalog index keeps these bytes for every
	// entity, and append's spare capacity would double its memory.
	err := WithOrdered(v, o, func(b []byte) { out = bytes.Clone(b) })
	return out, err
}

// WithOrdered encodes v as MarshalOrdered does into a reused buffer and
// hands it to fn, which must not keep it.
func WithOrdered(v any, o *KeyOrder, fn func([]byte)) error {
	bp := buffers.Get().(*[]byte)
	b, err := appendOrdered((*bp)[:0], v, o)
	if err != nil {
		return err
	}
	fn(b)
	*bp = b[:0]
	buffers.Put(bp)
	return nil
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
			if b, err = appendOrdered(b, item, o.ItemAt(i)); err != nil {
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
	write := func(k string, ko *KeyOrder) error {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendJSONString(b, k)
		b = append(b, ':')
		var err error
		b, err = appendOrdered(b, m[k], ko)
		return err
	}
	seen := 0
	if o != nil {
		for i, k := range o.keys {
			if _, ok := m[k]; ok && o.find(k) == i {
				seen++
				if err := write(k, o.kids[i]); err != nil {
					return nil, err
				}
			}
		}
	}
	if seen < len(m) {
		rest := make([]string, 0, len(m)-seen)
		for k := range m {
			if o.find(k) < 0 {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range rest {
			if err := write(k, nil); err != nil {
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
