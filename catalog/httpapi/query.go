package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"

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
		field, dir, _ := strings.Cut(o, ",")
		if dir != "asc" && dir != "desc" {
			return errs.Input("Invalid order field order, must be asc or desc")
		}
		if field == "" {
			return errs.Input("Invalid order field, must not be empty")
		}
		if i == 0 {
			req.OrderField = &query.Order{Field: field, Desc: dir == "desc"}
		}
	}
	switch p.get("totalItems") {
	case "", "include":
	case "exclude":
		req.SkipTotalItems = true
	default:
		return errs.Input("request/query/totalItems must be equal to one of the allowed values: include, exclude")
	}
	if term := p.get("fullTextFilterTerm"); term != "" || p.has("fullTextFilterFields") {
		req.FullText = &query.FullText{Term: term, Fields: p.csv("fullTextFilterFields")}
	}
	return h.runQuery(c, req)
}

type queryBody struct {
	Query          json.RawMessage `json:"query,omitempty"`
	Cursor         string          `json:"cursor,omitempty"`
	Limit          *int            `json:"limit,omitempty"`
	Offset         *int            `json:"offset,omitempty"`
	OrderBy        []orderBy       `json:"orderBy,omitempty"`
	FullTextFilter *struct {
		Term   string   `json:"term"`
		Fields []string `json:"fields,omitempty"`
	} `json:"fullTextFilter,omitempty"`
	Fields     []string `json:"fields,omitempty"`
	TotalItems string   `json:"totalItems,omitempty"`
}

type orderBy struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

func (h *handler) queryPost(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body queryBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	req := query.QueryRequest{Cursor: body.Cursor, Limit: body.Limit, Offset: body.Offset, SkipTotalItems: body.TotalItems == "exclude"}
	var err error
	if req.Filter, err = predicate(body.Query); err != nil {
		return err
	}
	if req.Fields, err = fields(body.Fields); err != nil {
		return err
	}
	if body.Limit != nil && *body.Limit < 0 {
		return errs.Input("request/body/limit must be >= 0")
	}
	if body.Offset != nil && *body.Offset < 0 {
		return errs.Input("request/body/offset must be >= 0")
	}
	for i, o := range body.OrderBy {
		if o.Field == "" || (o.Order != "asc" && o.Order != "desc") {
			return errs.Input("request/body/orderBy/%d/order must be equal to one of the allowed values: asc, desc", i)
		}
		if i == 0 {
			req.OrderField = &query.Order{Field: o.Field, Desc: o.Order == "desc"}
		}
	}
	if body.TotalItems != "" && body.TotalItems != "include" && body.TotalItems != "exclude" {
		return errs.Input("request/body/totalItems must be equal to one of the allowed values: include, exclude")
	}
	if ft := body.FullTextFilter; ft != nil {
		req.FullText = &query.FullText{Term: ft.Term, Fields: ft.Fields}
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
	buf := make([]byte, 0, 1024*len(res.Items)+128)
	buf = append(buf, `{"items":[`...)
	for i, it := range res.Items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, it...)
	}
	buf = append(buf, `],"totalItems":`...)
	total, _ := json.Marshal(res.TotalItems)
	buf = append(buf, total...)
	buf = append(buf, `,"pageInfo":`...)
	page := map[string]string{}
	if res.NextCursor != "" {
		page["nextCursor"] = res.NextCursor
	}
	if res.PrevCursor != "" {
		page["prevCursor"] = res.PrevCursor
	}
	pi, _ := json.Marshal(page)
	buf = append(buf, pi...)
	buf = append(buf, '}')
	return httpx.JSONBytes(c, http.StatusOK, buf)
}

type byRefsBody struct {
	EntityRefs *[]string       `json:"entityRefs"`
	Fields     []string        `json:"fields,omitempty"`
	Query      json.RawMessage `json:"query,omitempty"`
}

func (h *handler) byRefs(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "filter")
	if err != nil {
		return err
	}
	var body byRefsBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	if body.EntityRefs == nil {
		return errs.Input("request/body must have required property 'entityRefs'")
	}
	filter, err := query.ParseFilters(p.list("filter"))
	if err != nil {
		return err
	}
	pred, err := predicate(body.Query)
	if err != nil {
		return err
	}
	if _, err := fields(body.Fields); err != nil {
		return err
	}
	items, err := h.svc.ByRefs(c.Request().Context(), *body.EntityRefs, query.And(filter, pred), body.Fields)
	if err != nil {
		return err
	}
	buf := []byte(`{"items":[`)
	for i, it := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		if it == nil {
			buf = append(buf, "null"...)
		} else {
			buf = append(buf, it...)
		}
	}
	buf = append(buf, "]}"...)
	return httpx.JSONBytes(c, http.StatusOK, buf)
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
	return c.JSON(http.StatusOK, map[string]any{"facets": h.svc.Facets(c.Request().Context(), filter, facets)})
}

type facetsBody struct {
	Facets []string        `json:"facets"`
	Query  json.RawMessage `json:"query,omitempty"`
}

func (h *handler) facetsPost(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body facetsBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	if len(body.Facets) == 0 {
		return errs.Input("request/body must have required property 'facets'")
	}
	pred, err := predicate(body.Query)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"facets": h.svc.Facets(c.Request().Context(), pred, body.Facets)})
}
