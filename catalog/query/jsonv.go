package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/stackyard/stackyard/catalog/model"
	"io"
)

// jkind is the type of a jval.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jArr
	jObj
)

// jval is a JSON value that keeps object member order, which encoding/json's
// map decoding loses. Predicates need it so that marshalling reproduces the
// request and errors name the first offending key, as JavaScript would.
type jval struct {
	kind jkind
	b    bool
	s    string // string value, or the literal of a number
	arr  []jval
	obj  []jmember
}

// jmember is one member of a JSON object.
type jmember struct {
	key string
	val jval
}

// maxJSONDepth bounds the nesting of predicates and cursors, so hostile input
// cannot exhaust the stack.
const maxJSONDepth = 64

// errTooDeep reports input nested deeper than maxJSONDepth.
var errTooDeep = errors.New("nesting too deep")

// parseJSON decodes exactly one JSON value from raw. Duplicate object keys
// keep their first position and their last value, like JSON.parse.
func parseJSON(raw []byte) (jval, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return jval{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jval{}, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (jval, error) {
	if depth > maxJSONDepth {
		return jval{}, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return jval{}, io.ErrUnexpectedEOF
		}
		return jval{}, err
	}
	switch t := tok.(type) {
	case nil:
		return jval{kind: jNull}, nil
	case bool:
		return jval{kind: jBool, b: t}, nil
	case json.Number:
		return jval{kind: jNum, s: t.String()}, nil
	case string:
		return jval{kind: jStr, s: t}, nil
	case json.Delim:
		if t == '[' {
			return decodeArray(dec, depth)
		}
		return decodeObject(dec, depth)
	}
	return jval{}, fmt.Errorf("unexpected token %v", tok)
}

func decodeArray(dec *json.Decoder, depth int) (jval, error) {
	v := jval{kind: jArr, arr: []jval{}}
	for dec.More() {
		item, err := decodeValue(dec, depth+1)
		if err != nil {
			return jval{}, err
		}
		v.arr = append(v.arr, item)
	}
	_, err := dec.Token() // ']'
	return v, err
}

func decodeObject(dec *json.Decoder, depth int) (jval, error) {
	v := jval{kind: jObj, obj: []jmember{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jval{}, err
		}
		key, _ := tok.(string)
		item, err := decodeValue(dec, depth+1)
		if err != nil {
			return jval{}, err
		}
		if i := v.index(key); i >= 0 {
			v.obj[i].val = item
			continue
		}
		v.obj = append(v.obj, jmember{key, item})
	}
	_, err := dec.Token() // '}'
	return v, err
}

// index returns the position of key in an object, or -1.
func (v jval) index(key string) int {
	for i, m := range v.obj {
		if m.key == key {
			return i
		}
	}
	return -1
}

// get returns the member key of an object.
func (v jval) get(key string) (jval, bool) {
	if i := v.index(key); i >= 0 {
		return v.obj[i].val, true
	}
	return jval{}, false
}

// isPrimitive reports whether v is a string, number or boolean.
func (v jval) isPrimitive() bool {
	return v.kind == jStr || v.kind == jNum || v.kind == jBool
}

// appendJSON appends v in compact JSON form.
func (v jval) appendJSON(b []byte) []byte {
	switch v.kind {
	case jNull:
		return append(b, "null"...)
	case jBool:
		if v.b {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case jNum:
		return append(b, v.s...)
	case jStr:
		return model.AppendJSONString(b, v.s)
	case jArr:
		b = append(b, '[')
		for i, item := range v.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = item.appendJSON(b)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, m := range v.obj {
		if i > 0 {
			b = append(b, ',')
		}
		b = model.AppendJSONString(b, m.key)
		b = append(b, ':')
		b = m.val.appendJSON(b)
	}
	return append(b, '}')
}

// describe names v's type for error messages, zod style.
func (v jval) describe() string {
	switch v.kind {
	case jNull:
		return "null"
	case jBool:
		return "boolean"
	case jNum:
		return "number"
	case jStr:
		return "string"
	case jArr:
		return "array"
	}
	return "object"
}
