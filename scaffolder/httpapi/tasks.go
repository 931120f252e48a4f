package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
	"github.com/stackyard/stackyard/scaffolder"
)

func (h *handler) parameterSchema(c echo.Context) error {
	ref := model.EntityRef{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
	out, err := h.svc.ParameterSchema(c.Request().Context(), ref)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, out)
}

// createBody is POST /v2/tasks; pointers tell a missing key from an empty one.
type createBody struct {
	TemplateRef *string           `json:"templateRef"`
	Values      map[string]any    `json:"values"`
	Secrets     map[string]string `json:"secrets"`
}

func (h *handler) createTask(c echo.Context) error {
	var body createBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	if body.TemplateRef == nil {
		return errs.Input("request/body must have required property 'templateRef'")
	}
	if body.Values == nil {
		return errs.Input("request/body must have required property 'values'")
	}
	id, err := h.svc.Create(c.Request().Context(), userOf(c),
		scaffolder.CreateRequest{TemplateRef: *body.TemplateRef, Values: body.Values, Secrets: body.Secrets})
	if err != nil {
		return valuesError(c, err)
	}
	return httpx.JSON(c, http.StatusCreated, map[string]string{"id": id})
}

func (h *handler) listTasks(c echo.Context) error {
	q, err := listQuery(c.QueryParams())
	if err != nil {
		return err
	}
	out, err := h.svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, out)
}

func (h *handler) getTask(c echo.Context) error {
	t, err := h.svc.Get(c.Request().Context(), c.Param("taskId"))
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, t)
}

func (h *handler) events(c echo.Context) error {
	after, err := afterParam(c.QueryParams(), true)
	if err != nil {
		return err
	}
	out, err := h.svc.WaitEvents(c.Request().Context(), c.Param("taskId"), after)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, out)
}

func (h *handler) cancel(c echo.Context) error {
	if err := h.svc.Cancel(c.Request().Context(), c.Param("taskId")); err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, map[string]string{"status": "cancelled"})
}

// retryBody is POST /v2/tasks/:id/retry.
type retryBody struct {
	Secrets map[string]string `json:"secrets"`
}

func (h *handler) retry(c echo.Context) error {
	var body retryBody
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	id := c.Param("taskId")
	if err := h.svc.Retry(c.Request().Context(), id, body.Secrets); err != nil {
		return valuesError(c, err)
	}
	return httpx.JSON(c, http.StatusCreated, map[string]string{"id": id})
}

func (h *handler) dryRun(c echo.Context) error {
	var body scaffolder.DryRunRequest
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	out, err := h.svc.DryRun(c.Request().Context(), userOf(c), body)
	if err != nil {
		return valuesError(c, err)
	}
	return httpx.JSON(c, http.StatusOK, out)
}

func (h *handler) actions(c echo.Context) error {
	list := h.svc.Actions()
	out := make([]map[string]any, len(list))
	for i, d := range list {
		schema := map[string]any{}
		if d.Input != nil {
			schema["input"] = d.Input
		}
		if d.Output != nil {
			schema["output"] = d.Output
		}
		item := map[string]any{"id": d.ID, "description": d.Description, "schema": schema}
		if len(d.Examples) > 0 {
			item["examples"] = d.Examples
		}
		out[i] = item
	}
	return httpx.JSON(c, http.StatusOK, out)
}

func (h *handler) autocomplete(c echo.Context) error {
	var body scaffolder.AutocompleteRequest
	if err := httpx.BindJSON(c, &body); err != nil {
		return err
	}
	out, err := h.svc.Autocomplete(c.Request().Context(), c.Param("provider"), c.Param("resource"), body)
	if err != nil {
		return err
	}
	return httpx.JSON(c, http.StatusOK, map[string]any{"results": out})
}

func (h *handler) templatingExtensions(c echo.Context) error {
	return httpx.JSON(c, http.StatusOK, h.svc.TemplatingExtensions())
}
