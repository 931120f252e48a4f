// Package httpapi serves the stacks plugin, /api/stacks/v1/….
package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
	"github.com/stackyard/stackyard/scaffolder/stacks/fleet"
)

// Register mounts the stacks routes on g (the /api/stacks group).
func Register(g *echo.Group, svc *fleet.Service) {
	h := &handler{svc: svc}
	g.GET("/v1/templates", h.templates)
	g.GET("/v1/templates/:name/versions", h.versions)
	g.GET("/v1/templates/:name/fleet", h.fleet)
	g.GET("/v1/stacks", h.stacks)
	g.GET("/v1/stacks/:namespace/:name", h.stack)
	g.POST("/v1/stacks/:namespace/:name/plan", h.plan)
	g.POST("/v1/stacks/:namespace/:name/upgrade", h.upgrade)
	g.POST("/v1/stacks/:namespace/:name/rollback", h.rollback)
	g.POST("/v1/templates/:name/rollouts", h.startRollout)
	g.GET("/v1/rollouts/:id", h.rollout)
}

type handler struct{ svc *fleet.Service }

type items[T any] struct {
	Items []T `json:"items"`
}

func (h *handler) templates(c echo.Context) error {
	return httpx.JSON(c, http.StatusOK, items[fleet.TemplateInfo]{Items: h.svc.Templates()})
}

func (h *handler) versions(c echo.Context) error {
	vs, err := h.svc.Versions(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, items[fleet.VersionInfo]{Items: vs})
}

func (h *handler) fleet(c echo.Context) error {
	f, err := h.svc.Fleet(c.Request().Context(), c.Param("name"), c.QueryParam("toVersion"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, f)
}

func (h *handler) stacks(c echo.Context) error {
	f := fleet.Filter{Owner: c.QueryParam("owner"), Template: c.QueryParam("template")}
	if b := c.QueryParam("behind"); b != "" {
		v, err := strconv.ParseBool(b)
		if err != nil {
			return errs.Input("behind %q must be true or false", b)
		}
		f.Behind = v
	}
	list, err := h.svc.Stacks(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, items[fleet.StackView]{Items: list})
}

func (h *handler) stack(c echo.Context) error {
	st, err := h.svc.Stack(c.Request().Context(), c.Param("namespace"), c.Param("name"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, st)
}

type planRequest struct {
	ToVersion string `json:"toVersion"`
}

func (h *handler) plan(c echo.Context) error {
	var req planRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.svc.Plan(c.Request().Context(), c.Param("namespace"), c.Param("name"), req.ToVersion)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, p)
}

func (h *handler) upgrade(c echo.Context) error {
	var req fleet.UpgradeRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	res, err := h.svc.Upgrade(c.Request().Context(), c.Param("namespace"), c.Param("name"), req)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusAccepted, res)
}

func (h *handler) rollback(c echo.Context) error {
	res, err := h.svc.Rollback(c.Request().Context(), c.Param("namespace"), c.Param("name"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusAccepted, res)
}

func (h *handler) startRollout(c echo.Context) error {
	var req fleet.RolloutRequest
	if err := httpx.BindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.svc.StartRollout(c.Request().Context(), c.Param("name"), req)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusAccepted, r)
}

func (h *handler) rollout(c echo.Context) error {
	r, err := h.svc.Rollout(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, r)
}
