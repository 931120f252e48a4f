// Package httpapi serves Backstage's scaffolder API under
// /api/scaffolder: /v2/templates, /v2/actions, /v2/tasks (with the SSE
// eventstream and the long-poll events), /v2/dry-run, /v2/autocomplete and
// /v2/templating-extensions. Shapes and status codes follow Backstage.
package httpapi

import (
	"errors"
	"github.com/stackyard/stackyard/internal/httpx"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/scaffolder"
)

// Principal returns the user ref a request acts for ("" for a service),
// or an error that rejects the request.
type Principal func(c echo.Context) (string, error)

type handler struct {
	svc       *scaffolder.Service
	principal Principal
}

// Register mounts the scaffolder routes on g.
func Register(g *echo.Group, svc *scaffolder.Service, principal Principal) {
	h := &handler{svc: svc, principal: principal}
	g.Use(h.authenticate)
	g.GET("/v2/templates/:namespace/:kind/:name/parameter-schema", h.parameterSchema)
	g.GET("/v2/actions", h.actions)
	g.POST("/v2/tasks", h.createTask)
	g.GET("/v2/tasks", h.listTasks)
	g.GET("/v2/tasks/:taskId", h.getTask)
	g.GET("/v2/tasks/:taskId/eventstream", h.eventStream)
	g.GET("/v2/tasks/:taskId/events", h.events)
	g.POST("/v2/tasks/:taskId/cancel", h.cancel)
	g.POST("/v2/tasks/:taskId/retry", h.retry)
	g.POST("/v2/dry-run", h.dryRun)
	g.POST("/v2/autocomplete/:provider/:resource", h.autocomplete)
	g.GET("/v2/templating-extensions", h.templatingExtensions)
}

const userKey = "scaffolder.user"

// authenticate resolves the principal once per request.
func (h *handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := h.principal(c)
		if err != nil {
			return err
		}
		c.Set(userKey, user)
		return next(c)
	}
}

func userOf(c echo.Context) string {
	u, _ := c.Get(userKey).(string)
	return u
}

// valuesError writes form and secret validation failures as Backstage
// does, 400 {errors:[…]}; every other error goes to the error handler.
func valuesError(c echo.Context, err error) error {
	var ve *scaffolder.ValuesError
	if errors.As(err, &ve) {
		return httpx.JSON(c, http.StatusBadRequest, map[string]any{"errors": ve.Errors})
	}
	return err
}
