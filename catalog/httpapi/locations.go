package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
)

// locationSchema is the LocationInput body of POST and PUT /locations in
// Backstage's OpenAPI spec (its required list names target first).
var locationSchema = &httpx.Schema{Type: "object", Required: []string{"target", "type"},
	Properties: map[string]*httpx.Schema{"target": {Type: "string"}, "type": {Type: "string"}}}

type locationBody struct {
	Type     string `json:"type"`
	Target   string `json:"target"`
	Presence string `json:"presence,omitempty"`
}

// Refine applies the handler's zod schema, locationInput: a strict object
// whose optional presence is "required" or "optional".
func (b *locationBody) Refine(doc map[string]any) error {
	if issues := locationInputIssues(doc); len(issues) > 0 {
		return httpx.ZodError("Malformed request: ", issues)
	}
	return nil
}

// locationInputIssues checks doc, found at path, against locationInput.
// Unrecognized keys are listed in sorted order, where zod keeps the
// body's.
func locationInputIssues(doc map[string]any, path ...any) []httpx.ZodIssue {
	at := func(k ...any) []any { return append(append([]any{}, path...), k...) }
	var issues []httpx.ZodIssue
	for _, k := range []string{"type", "target"} {
		if v := httpx.Lookup(doc, k); httpx.ZodType(v) != "string" {
			issues = append(issues, httpx.ZodInvalidType(at(k), "string", v))
		}
	}
	if p, ok := doc["presence"]; ok && p != "required" && p != "optional" {
		issues = append(issues, httpx.ZodLiteralUnion(at("presence"), p, "required", "optional"))
	}
	var extra []string
	for k := range doc {
		if k != "type" && k != "target" && k != "presence" {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		issues = append(issues, httpx.ZodUnrecognizedKeys(at(), extra))
	}
	return issues
}

// location is a location as the API shows it: Backstage 1.45 (catalog
// backend 3.2.0) does not return the entityRef that Stackyard stores.
type location struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Target string `json:"target"`
}

func apiLocation(l model.Location) location {
	return location{ID: l.ID, Type: l.Type, Target: l.Target}
}

func apiLocations(locs []model.Location) []location {
	out := make([]location, len(locs))
	for i, l := range locs {
		out[i] = apiLocation(l)
	}
	return out
}

type addLocationResponse struct {
	Location location          `json:"location"`
	Entities []json.RawMessage `json:"entities"`
	Exists   *bool             `json:"exists,omitempty"`
}

func (h *handler) addLocation(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "dryRun", "onConflict")
	if err != nil {
		return err
	}
	var body locationBody
	if err := httpx.BindBody(c, locationSchema, &body); err != nil {
		return err
	}
	onConflict := p.get("onConflict")
	if onConflict != "" && onConflict != "reject" && onConflict != "refresh" {
		return errs.Input("request/query/onConflict must be equal to one of the allowed values: reject, refresh")
	}
	res, err := h.svc.AddLocation(c.Request().Context(), body.Type, body.Target, yes(p.get("dryRun")), onConflict)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusCreated, addLocationResponse{Location: apiLocation(res.Location), Entities: res.Entities, Exists: res.Exists})
}

func (h *handler) locations(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	locs, err := h.svc.Locations(c.Request().Context())
	if err != nil {
		return err
	}
	type item struct {
		Data location `json:"data"`
	}
	out := make([]item, len(locs))
	for i, l := range locs {
		out[i] = item{Data: apiLocation(l)}
	}
	return httpx.JSON(c, http.StatusOK, out)
}

var locationQuerySchema = &httpx.Schema{Type: "object", Closed: true, Properties: map[string]*httpx.Schema{
	"limit": {Type: "integer"}, "query": {Type: "object"}, "cursor": {Type: "string"}}}

type locationQueryBody struct {
	Limit  *int            `json:"limit,omitempty"`
	Query  json.RawMessage `json:"query,omitempty"`
	Cursor string          `json:"cursor,omitempty"`
}

type locationPage struct {
	Items      []location     `json:"items"`
	TotalItems int            `json:"totalItems"`
	PageInfo   map[string]any `json:"pageInfo"`
}

func (h *handler) queryLocations(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body locationQueryBody
	if err := httpx.BindBody(c, locationQuerySchema, &body); err != nil {
		return err
	}
	if body.Limit != nil && *body.Limit < 1 {
		return errs.Input("request/body/limit must be >= 1")
	}
	res, err := h.svc.QueryLocations(c.Request().Context(), body.Query, body.Cursor, body.Limit)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, locationPage{Items: apiLocations(res.Items), TotalItems: res.TotalItems, PageInfo: res.PageInfo})
}

func (h *handler) location(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	loc, err := h.svc.Location(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, apiLocation(loc))
}

func (h *handler) updateLocation(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body locationBody
	if err := httpx.BindBody(c, locationSchema, &body); err != nil {
		return err
	}
	loc, err := h.svc.UpdateLocation(c.Request().Context(), c.Param("id"), body.Type, body.Target)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, apiLocation(loc))
}

func (h *handler) deleteLocation(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	if err := h.svc.DeleteLocation(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *handler) locationByEntity(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	loc, err := h.svc.LocationByEntity(c.Request().Context(), refParam(c))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, apiLocation(loc))
}
