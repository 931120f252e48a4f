package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
)

type validateBody struct {
	Entity   json.RawMessage `json:"entity"`
	Location string          `json:"location"`
}

// validateEntity answers 200 with no body when valid, and 400 {errors}
// (not the usual envelope) otherwise, as Backstage does.
func (h *handler) validateEntity(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body validateBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	var ent model.Entity
	if len(body.Entity) == 0 || json.Unmarshal(body.Entity, &ent) != nil || ent == nil {
		return errs.Input("request/body/entity must be object")
	}
	failures := h.svc.ValidateEntity(c.Request().Context(), ent, body.Location)
	if len(failures) > 0 {
		return c.JSON(http.StatusBadRequest, map[string]any{"errors": failures})
	}
	return httpx.Empty(c, http.StatusOK)
}

type analyzeBody struct {
	Location        locationBody `json:"location"`
	CatalogFilename string       `json:"catalogFilename,omitempty"`
}

func (h *handler) analyzeLocation(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body analyzeBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	res, err := h.svc.AnalyzeLocation(c.Request().Context(), body.Location.Type, body.Location.Target, body.CatalogFilename)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
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
	return c.JSON(http.StatusOK, map[string]any{"items": res})
}
