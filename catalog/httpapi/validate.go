package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog"
	"github.com/stackyard/stackyard/internal/httpx"
)

// validateEntity answers 200 with no body when valid, and 400 {errors}
// (not the usual envelope) otherwise, as Backstage does. Backstage's request
// validator skips this route, so a bad request is one of those errors too.
func (h *handler) validateEntity(c echo.Context) error {
	ent, location, failure := validateRequest(c)
	if failure != nil {
		return httpx.JSON(c, http.StatusBadRequest, map[string]any{"errors": []catalog.ValidationFailure{*failure}})
	}
	failures := h.svc.ValidateEntity(c.Request().Context(), ent, location)
	if len(failures) > 0 {
		return httpx.JSON(c, http.StatusBadRequest, map[string]any{"errors": failures})
	}
	return httpx.Empty(c, http.StatusOK)
}

// validateRequest reads the body of POST /validate-entity with Backstage's
// requireRequestBody and zod schema {entity: unknown, location: string}.
// The entity, any JSON value, is left for the service to check.
func validateRequest(c echo.Context) (any, string, *catalog.ValidationFailure) {
	fail := func(msg string) (any, string, *catalog.ValidationFailure) {
		return nil, "", &catalog.ValidationFailure{Name: "InputError", Message: msg}
	}
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct == "" {
		return fail("Content-Type missing")
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return fail("Illegal Content-Type")
	}
	var doc map[string]any
	if err := json.NewDecoder(c.Request().Body).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail("Empty request body")
		}
		return fail("Expected body to be a JSON object")
	}
	if len(doc) == 0 {
		return fail("Empty request body")
	}
	location, ok := doc["location"].(string)
	if !ok {
		err := httpx.ZodError("Malformed request: ", []httpx.ZodIssue{
			httpx.ZodInvalidType([]any{"location"}, "string", httpx.Lookup(doc, "location"))})
		return fail(err.Error())
	}
	return doc["entity"], location, nil
}

var analyzeSchema = &httpx.Schema{Type: "object", Required: []string{"location"}, Properties: map[string]*httpx.Schema{
	"location": {Type: "object", Required: []string{"type", "target"}, Closed: true,
		Properties: map[string]*httpx.Schema{"type": stringSchema, "target": stringSchema}},
	"catalogFileName": stringSchema,
}}

type analyzeBody struct {
	Location        locationBody `json:"location"`
	CatalogFilename string       `json:"catalogFilename,omitempty"`
}

// Refine applies the handler's zod schema {location: locationInput,
// catalogFilename?: string}.
func (b *analyzeBody) Refine(doc map[string]any) error {
	loc, _ := doc["location"].(map[string]any)
	issues := locationInputIssues(loc, "location")
	if f := httpx.Lookup(doc, "catalogFilename"); f != nil && httpx.ZodType(f) != "string" {
		issues = append(issues, httpx.ZodInvalidType([]any{"catalogFilename"}, "string", f))
	}
	if len(issues) > 0 {
		return httpx.ZodError("Malformed request: ", issues)
	}
	return nil
}

func (h *handler) analyzeLocation(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body analyzeBody
	if err := httpx.BindBody(c, analyzeSchema, &body); err != nil {
		return err
	}
	res, err := h.svc.AnalyzeLocation(c.Request().Context(), body.Location.Type, body.Location.Target, body.CatalogFilename)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, res)
}

func (h *handler) processingErrors(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "owner")
	if err != nil {
		return err
	}
	ownership, admin := h.principal(c)
	res, err := h.svc.ProcessingErrors(c.Request().Context(), ownership, admin, p.get("owner"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, map[string]any{"items": res})
}
