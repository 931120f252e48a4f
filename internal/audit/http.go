package audit

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/errs"
)

// Register mounts GET /v1/audit on g (the /api/stacks group).
func Register(g *echo.Group, l *Log) {
	g.GET("/v1/audit", l.list)
}

// RequestIDMiddleware copies echo's request id into the request context,
// where events pick it up. It must run after middleware.RequestID.
func RequestIDMiddleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Response().Header().Get(echo.HeaderXRequestID)
			if id == "" {
				id = c.Request().Header.Get(echo.HeaderXRequestID)
			}
			if id != "" {
				c.SetRequest(c.Request().WithContext(WithRequestID(c.Request().Context(), id)))
			}
			return next(c)
		}
	}
}

type eventList struct {
	Items []Event `json:"items"`
}

func (l *Log) list(c echo.Context) error {
	q, err := parseQuery(c)
	if err != nil {
		return err
	}
	viewer, _ := auth.FromContext(c.Request().Context())
	items, err := l.Events(c.Request().Context(), viewer, q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventList{Items: items})
}

func parseQuery(c echo.Context) (Query, error) {
	var q Query
	for k := range c.QueryParams() {
		switch k {
		case "target", "actor", "since", "limit":
		default:
			return q, errs.Input("Unknown query parameter '%s', expected target, actor, since or limit", k)
		}
	}
	q.Target, q.Actor = strings.ToLower(c.QueryParam("target")), c.QueryParam("actor")
	if s := c.QueryParam("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			ms, err2 := strconv.ParseInt(s, 10, 64)
			if err2 != nil {
				return q, errs.Input("Invalid since %q, expected an RFC 3339 time or Unix milliseconds", s)
			}
			t = time.UnixMilli(ms)
		}
		q.Since = t
	}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return q, errs.Input("Invalid limit %q, expected 1 to 1000", s)
		}
		q.Limit = n
	}
	return q, nil
}
