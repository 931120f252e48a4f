package query

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackyard/stackyard/internal/errs"
)

// Order is one sort directive: a search key and a direction.
type Order struct {
	Field string
	Desc  bool
}

// cursor is the state of a by-query session, carried between pages in the
// shape of Backstage's cursor so that catalog-client, which decodes cursors
// and looks for a "query" member, treats ours like the real ones.
type cursor struct {
	orderFields     []Order
	isPrevious      bool
	query           Predicate
	fullText        *FullText
	orderValues     []*string // keyset position: [value, uid] or [uid]
	firstSortValues []*string // position of the first item of the first page
	hasFirst        bool
	totalItems      *int
}

// encode renders the cursor as standard base64 of JSON, members in
// Backstage's order.
func (c *cursor) encode() string {
	b := make([]byte, 0, 256)
	b = append(b, `{"orderFields":[`...)
	for i, o := range c.orderFields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"field":`...)
		b = appendJSONString(b, o.Field)
		if o.Desc {
			b = append(b, `,"order":"desc"}`...)
		} else {
			b = append(b, `,"order":"asc"}`...)
		}
	}
	b = append(b, `],"isPrevious":`...)
	b = strconv.AppendBool(b, c.isPrevious)
	if !c.query.IsZero() {
		b = append(b, `,"query":`...)
		b = c.query.appendJSON(b)
	}
	if c.fullText != nil {
		b = append(b, `,"fullTextFilter":{"term":`...)
		b = appendJSONString(b, c.fullText.Term)
		if c.fullText.Fields != nil {
			b = append(b, `,"fields":`...)
			b = appendStrings(b, c.fullText.Fields)
		}
		b = append(b, '}')
	}
	b = append(b, `,"orderFieldValues":`...)
	b = appendNullableStrings(b, c.orderValues)
	if c.hasFirst {
		b = append(b, `,"firstSortFieldValues":`...)
		b = appendNullableStrings(b, c.firstSortValues)
	}
	if c.totalItems != nil {
		b = append(b, `,"totalItems":`...)
		b = strconv.AppendInt(b, int64(*c.totalItems), 10)
	}
	b = append(b, '}')
	return base64.StdEncoding.EncodeToString(b)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func appendNullableStrings(b []byte, ss []*string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		if s == nil {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, *s)
		}
	}
	return append(b, ']')
}

// decodeCursor parses a cursor with the checks of Backstage's cursorParser.
// Errors are InputErrors "Malformed cursor: ...". Base64 is read leniently,
// like Node's Buffer: padding is optional and the URL-safe alphabet works.
func decodeCursor(s string) (*cursor, error) {
	raw, err := decodeBase64(s)
	if err != nil {
		return nil, errs.Input("Malformed cursor: %s", err)
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, errs.Input("Malformed cursor: %s", err)
	}
	c, err := cursorFromJSON(v)
	if err != nil {
		return nil, errs.Input("Malformed cursor: %s", err)
	}
	return c, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	return base64.RawStdEncoding.DecodeString(s)
}

func cursorFromJSON(v jval) (*cursor, error) {
	if v.kind != jObj {
		return nil, fmt.Errorf("expected object, received %s", v.describe())
	}
	c := &cursor{}
	of, ok := v.get("orderFields")
	if !ok || of.kind != jArr {
		return nil, fmt.Errorf("orderFields: expected array")
	}
	for _, o := range of.arr {
		f, _ := o.get("field")
		d, _ := o.get("order")
		if o.kind != jObj || f.kind != jStr || d.kind != jStr || (d.s != "asc" && d.s != "desc") {
			return nil, fmt.Errorf("orderFields: expected {field, order: asc|desc}")
		}
		c.orderFields = append(c.orderFields, Order{Field: f.s, Desc: d.s == "desc"})
	}
	ip, ok := v.get("isPrevious")
	if !ok || ip.kind != jBool {
		return nil, fmt.Errorf("isPrevious: expected boolean")
	}
	c.isPrevious = ip.b
	var err error
	if c.orderValues, ok, err = nullableStrings(v, "orderFieldValues"); err != nil || !ok {
		return nil, fmt.Errorf("orderFieldValues: expected array of strings")
	}
	if c.firstSortValues, c.hasFirst, err = nullableStrings(v, "firstSortFieldValues"); err != nil {
		return nil, fmt.Errorf("firstSortFieldValues: %w", err)
	}
	if c.fullText, err = fullTextFromJSON(v); err != nil {
		return nil, err
	}
	if err := c.readTotalAndQuery(v); err != nil {
		return nil, err
	}
	return c, nil
}

func nullableStrings(v jval, key string) ([]*string, bool, error) {
	a, ok := v.get(key)
	if !ok {
		return nil, false, nil
	}
	if a.kind != jArr {
		return nil, true, fmt.Errorf("expected array")
	}
	out := make([]*string, len(a.arr))
	for i, s := range a.arr {
		switch s.kind {
		case jStr:
			out[i] = &s.s
		case jNull:
		default:
			return nil, true, fmt.Errorf("expected string or null")
		}
	}
	return out, true, nil
}

func fullTextFromJSON(v jval) (*FullText, error) {
	f, ok := v.get("fullTextFilter")
	if !ok {
		return nil, nil
	}
	t, _ := f.get("term")
	if f.kind != jObj || t.kind != jStr {
		return nil, fmt.Errorf("fullTextFilter: expected {term, fields?}")
	}
	ft := &FullText{Term: t.s}
	if fields, ok := f.get("fields"); ok {
		if fields.kind != jArr || !allStrings(fields.arr) {
			return nil, fmt.Errorf("fullTextFilter.fields: expected array of strings")
		}
		ft.Fields = make([]string, len(fields.arr))
		for i, s := range fields.arr {
			ft.Fields[i] = s.s
		}
	}
	return ft, nil
}

// readTotalAndQuery reads totalItems, and the filter: "query" (a predicate)
// and, from older servers, "filter" (the legacy shape); both apply.
func (c *cursor) readTotalAndQuery(v jval) error {
	if t, ok := v.get("totalItems"); ok {
		n, err := strconv.ParseFloat(t.s, 64)
		if t.kind != jNum || err != nil {
			return fmt.Errorf("totalItems: expected number")
		}
		total := int(n)
		c.totalItems = &total
	}
	if q, ok := v.get("query"); ok {
		p, err := predicateFromJSON(q)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		c.query = p
	}
	if f, ok := v.get("filter"); ok {
		n, ok := legacyFilter(f, 0)
		if !ok {
			return fmt.Errorf("filter: expected an entity filter")
		}
		c.query = And(Predicate{n}, c.query)
	}
	return nil
}
