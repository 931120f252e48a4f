package query

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/stackyard/stackyard/catalog/model"
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
		b = model.AppendJSONString(b, o.Field)
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
		b = model.AppendJSONString(b, c.fullText.Term)
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
		b = model.AppendJSONString(b, s)
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
			b = model.AppendJSONString(b, *s)
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
	c, err := cursorFromJSON(raw)
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

// cursorJSON is the wire form of a cursor. Required members are pointers so
// that their absence shows; the filter members are parsed separately.
type cursorJSON struct {
	OrderFields []struct {
		Field *string `json:"field"`
		Order *string `json:"order"`
	} `json:"orderFields"`
	IsPrevious           *bool           `json:"isPrevious"`
	Query                json.RawMessage `json:"query"`
	Filter               json.RawMessage `json:"filter"`
	FullTextFilter       *fullTextJSON   `json:"fullTextFilter"`
	OrderFieldValues     []*string       `json:"orderFieldValues"`
	FirstSortFieldValues []*string       `json:"firstSortFieldValues"`
	TotalItems           *float64        `json:"totalItems"`
}

type fullTextJSON struct {
	Term   *string  `json:"term"`
	Fields []string `json:"fields"`
}

func cursorFromJSON(raw []byte) (*cursor, error) {
	var w cursorJSON
	if err := json.Unmarshal(raw, &w); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field == "":
			return nil, fmt.Errorf("expected object, received %s", te.Value)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s: unexpected %s", te.Field, te.Value)
		}
		return nil, err
	}
	switch {
	case w.OrderFields == nil:
		return nil, fmt.Errorf("orderFields: expected array")
	case w.IsPrevious == nil:
		return nil, fmt.Errorf("isPrevious: expected boolean")
	case w.OrderFieldValues == nil:
		return nil, fmt.Errorf("orderFieldValues: expected array of strings")
	case w.FullTextFilter != nil && w.FullTextFilter.Term == nil:
		return nil, fmt.Errorf("fullTextFilter: expected {term, fields?}")
	}
	c := &cursor{isPrevious: *w.IsPrevious, orderValues: w.OrderFieldValues, totalItems: intPtr(w.TotalItems),
		firstSortValues: w.FirstSortFieldValues, hasFirst: w.FirstSortFieldValues != nil}
	for _, o := range w.OrderFields {
		if o.Field == nil || o.Order == nil || (*o.Order != "asc" && *o.Order != "desc") {
			return nil, fmt.Errorf("orderFields: expected {field, order: asc|desc}")
		}
		c.orderFields = append(c.orderFields, Order{Field: *o.Field, Desc: *o.Order == "desc"})
	}
	if ft := w.FullTextFilter; ft != nil {
		c.fullText = &FullText{Term: *ft.Term, Fields: ft.Fields}
	}
	return c, c.readFilters(w.Query, w.Filter)
}

func intPtr(f *float64) *int {
	if f == nil {
		return nil
	}
	n := int(*f)
	return &n
}

// readFilters reads the filter of a cursor: "query" (a predicate) and, from
// older servers, "filter" (the legacy shape); both apply.
func (c *cursor) readFilters(query, filter json.RawMessage) error {
	if query != nil {
		p, err := ParsePredicate(query)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		c.query = p
	}
	if filter != nil {
		v, err := parseJSON(filter)
		n, ok := legacyFilter(v, 0)
		if err != nil || !ok {
			return fmt.Errorf("filter: expected an entity filter")
		}
		c.query = And(Predicate{n}, c.query)
	}
	return nil
}
