package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
)

type locationBody struct {
	Type     string `json:"type"`
	Target   string `json:"target"`
	Presence string `json:"presence,omitempty"`
}

func (b locationBody) check() error {
	if b.Type == "" {
		return errs.Input("request/body must have required property 'type'")
	}
	if b.Target == "" {
		return errs.Input("request/body must have required property 'target'")
	}
	if b.Presence != "" && b.Presence != "required" && b.Presence != "optional" {
		return errs.Input("Malformed request: presence must be required or optional")
	}
	return nil
}

func (h *handler) addLocation(c echo.Context) error {
	p, err := checkParams(c.QueryParams(), "dryRun", "onConflict")
	if err != nil {
		return err
	}
	var body locationBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	onConflict := p.get("onConflict")
	if onConflict != "" && onConflict != "reject" && onConflict != "refresh" {
		return errs.Input("request/query/onConflict must be equal to one of the allowed values: reject, refresh")
	}
	res, err := h.svc.AddLocation(c.Request().Context(), body.Type, body.Target, p.get("dryRun") == "true", onConflict)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

type locationItem struct {
	Data model.Location `json:"data"`
}

func (h *handler) locations(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	locs, err := h.svc.Locations(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]locationItem, len(locs))
	for i, l := range locs {
		out[i] = locationItem{Data: l}
	}
	return c.JSON(http.StatusOK, out)
}

type locationQueryBody struct {
	Limit  *int            `json:"limit,omitempty"`
	Query  json.RawMessage `json:"query,omitempty"`
	Cursor string          `json:"cursor,omitempty"`
}

func (h *handler) queryLocations(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body locationQueryBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	if body.Limit != nil && *body.Limit < 1 {
		return errs.Input("request/body/limit must be >= 1")
	}
	res, err := h.svc.QueryLocations(c.Request().Context(), body.Query, body.Cursor, body.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h *handler) location(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	loc, err := h.svc.Location(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loc)
}

func (h *handler) updateLocation(c echo.Context) error {
	if _, err := checkParams(c.QueryParams()); err != nil {
		return err
	}
	var body locationBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	loc, err := h.svc.UpdateLocation(c.Request().Context(), c.Param("id"), body.Type, body.Target)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, loc)
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
	return c.JSON(http.StatusOK, loc)
}
