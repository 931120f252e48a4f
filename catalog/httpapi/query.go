package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
)

func (h *handler) queryGet(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "fields", "limit", "offset", "orderField", "cursor", "filter",
		"totalItems", "fullTextFilterTerm", "fullTextFilterFields")
	if err != nil {
		return err
	}
	req := query.QueryRequest{Cursor: p.get("cursor")}
	if req.Filter, err = query.ParseFilters(p.list("filter")); err != nil {
		return err
	}
	if req.Fields, err = fields(p.csv("fields")); err != nil {
		return err
	}
	if req.Limit, err = p.intParam("limit", 0); err != nil {
		return err
	}
	if req.Offset, err = p.intParam("offset", 0); err != nil {
		return err
	}
	for i, o := range p.list("orderField") {
		order, err := query.ParseOrderField(o)
		if err != nil {
			return err
		}
		if i == 0 {
			req.OrderField = &order
		}
	}
	if req.SkipTotalItems, err = totalItems("request/query/totalItems", p.get("totalItems")); err != nil {
		return err
	}
	// Backstage always passes a full-text filter on GET, so its cursors
	// carry one even when the term is empty.
	req.FullText = &query.FullText{Term: p.get("fullTextFilterTerm")}
	if p.has("fullTextFilterFields") {
		req.FullText.Fields = p.csv("fullTextFilterFields")
	}
	return h.runQuery(c, req)
}

// totalItems reads the totalItems option of by-query (catalog backend 4.x;
// the 1.45 peer does not know it): whether to skip counting.
func totalItems(path, v string) (skip bool, err error) {
	switch v {
	case "", "include":
		return false, nil
	case "exclude":
		return true, nil
	}
	return false, errs.Input("%s must be equal to one of the allowed values: include, exclude", path)
}

var (
	stringSchema  = &httpx.Schema{Type: "string"}
	stringsSchema = &httpx.Schema{Type: "array", Items: stringSchema}
	// predicateSchema is the "query" of POST bodies; null is not an object.
	predicateSchema = &httpx.Schema{Type: "object"}
)

// queryBodySchema is the body of POST /entities/by-query (catalog backend
// 4.x; the 1.45 peer lacks the route).
var queryBodySchema = &httpx.Schema{Type: "object", Closed: true, Properties: map[string]*httpx.Schema{
	"query":      predicateSchema,
	"cursor":     stringSchema,
	"limit":      {Type: "integer"},
	"offset":     {Type: "integer"},
	"fields":     stringsSchema,
	"totalItems": stringSchema,
	"orderBy": {Type: "array", Items: &httpx.Schema{Type: "object",
		Properties: map[string]*httpx.Schema{"field": stringSchema, "order": stringSchema}}},
	"fullTextFilter": {Type: "object",
		Properties: map[string]*httpx.Schema{"term": stringSchema, "fields": stringsSchema}},
}}

type queryBody struct {
	Query          json.RawMessage `json:"query,omitempty"`
	Cursor         *string         `json:"cursor,omitempty"`
	Limit          *int            `json:"limit,omitempty"`
	Offset         *int            `json:"offset,omitempty"`
	OrderBy        []orderBy       `json:"orderBy,omitempty"`
	FullTextFilter *query.FullText `json:"fullTextFilter,omitempty"`
	Fields         []string        `json:"fields,omitempty"`
	TotalItems     string          `json:"totalItems,omitempty"`
}

type orderBy struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

// request checks the body and turns it into a query request.
func (b queryBody) request() (query.QueryRequest, error) {
	req := query.QueryRequest{Limit: b.Limit, Offset: b.Offset, FullText: b.FullTextFilter}
	var err error
	if b.Cursor != nil {
		if *b.Cursor == "" {
			return req, errs.Input("Cursor cannot be empty")
		}
		req.Cursor = *b.Cursor
	}
	if req.Filter, err = predicate(b.Query); err != nil {
		return req, err
	}
	if req.Fields, err = fields(b.Fields); err != nil {
		return req, err
	}
	if b.Limit != nil && *b.Limit < 0 {
		return req, errs.Input("request/body/limit must be >= 0")
	}
	if b.Offset != nil && *b.Offset < 0 {
		return req, errs.Input("request/body/offset must be >= 0")
	}
	for i, o := range b.OrderBy {
		if o.Order != "asc" && o.Order != "desc" {
			return req, errs.Input("request/body/orderBy/%d/order must be equal to one of the allowed values: asc, desc", i)
		}
		if i == 0 {
			req.OrderField = &query.Order{Field: o.Field, Desc: o.Order == "desc"}
		}
	}
	req.SkipTotalItems, err = totalItems("request/body/totalItems", b.TotalItems)
	return req, err
}

func (h *handler) queryPost(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body queryBody
	if err := httpx.BindBody(c, queryBodySchema, &body); err != nil {
		return err
	}
	req, err := body.request()
	if err != nil {
		return err
	}
	return h.runQuery(c, req)
}

func predicate(raw json.RawMessage) (query.Predicate, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return query.Predicate{}, nil
	}
	return query.ParsePredicate(raw)
}

func (h *handler) runQuery(c echo.Context, req query.QueryRequest) error {
	res, err := h.svc.Query(c.Request().Context(), req)
	if err != nil {
		return err
	}
	total, _ := json.Marshal(res.TotalItems)
	page := map[string]string{}
	if res.NextCursor != "" {
		page["nextCursor"] = res.NextCursor
	}
	if res.PrevCursor != "" {
		page["prevCursor"] = res.PrevCursor
	}
	pi, _ := json.Marshal(page)
	return httpx.JSONBuilt(c, http.StatusOK, func(buf []byte) []byte {
		buf = append(buf, `{"items":`...)
		buf = appendArray(buf, res.Items)
		buf = append(buf, `,"totalItems":`...)
		buf = append(buf, total...)
		buf = append(buf, `,"pageInfo":`...)
		buf = append(buf, pi...)
		return append(buf, '}')
	})
}

var byRefsSchema = &httpx.Schema{Type: "object", Required: []string{"entityRefs"}, Properties: map[string]*httpx.Schema{
	"entityRefs": stringsSchema, "fields": stringsSchema, "query": predicateSchema}}

type byRefsBody struct {
	EntityRefs []string        `json:"entityRefs"`
	Fields     []string        `json:"fields,omitempty"`
	Query      json.RawMessage `json:"query,omitempty"`
}

func (h *handler) byRefs(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "filter")
	if err != nil {
		return err
	}
	var body byRefsBody
	if err := httpx.BindBody(c, byRefsSchema, &body); err != nil {
		return err
	}
	filter, err := query.ParseFilters(p.list("filter"))
	if err != nil {
		return err
	}
	pred, err := predicate(body.Query)
	if err != nil {
		return err
	}
	items, err := h.svc.ByRefs(c.Request().Context(), body.EntityRefs, query.And(filter, pred), body.Fields)
	if err != nil {
		return err
	}
	return httpx.JSONBuilt(c, http.StatusOK, func(buf []byte) []byte {
		buf = append(buf, `{"items":`...)
		buf = appendArray(buf, items)
		return append(buf, '}')
	})
}

func (h *handler) facetsGet(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "facet", "filter")
	if err != nil {
		return err
	}
	facets := p.list("facet")
	if len(facets) == 0 {
		return errs.Input("request/query must have required property 'facet'")
	}
	filter, err := query.ParseFilters(p.list("filter"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, map[string]any{"facets": h.svc.Facets(c.Request().Context(), filter, facets)})
}

// facetsSchema is the body of POST /entity-facets (catalog backend 4.x;
// the 1.45 peer lacks the route).
var facetsSchema = &httpx.Schema{Type: "object", Required: []string{"facets"}, Closed: true, Properties: map[string]*httpx.Schema{
	"facets": stringsSchema, "query": predicateSchema}}

type facetsBody struct {
	Facets []string        `json:"facets"`
	Query  json.RawMessage `json:"query,omitempty"`
}

func (h *handler) facetsPost(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body facetsBody
	if err := httpx.BindBody(c, facetsSchema, &body); err != nil {
		return err
	}
	pred, err := predicate(body.Query)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, map[string]any{"facets": h.svc.Facets(c.Request().Context(), pred, body.Facets)})
}
