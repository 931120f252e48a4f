package httpx

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/errs"
)

// RequestLogger logs one structured line per request.
func RequestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			req := c.Request()
			log.LogAttrs(req.Context(), slog.LevelDebug, "request",
				slog.Group("request", slog.String("method", req.Method), slog.String("path", req.URL.Path),
					slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID))),
				slog.Int("status", c.Response().Status),
				slog.Duration("took", time.Since(start)))
			return nil
		}
	}
}

// BindJSON decodes a JSON request body strictly into v: the content type
// must be JSON, unknown keys are errors and the body is size-bounded by
// the server's body limit. An empty body leaves v as is.
func BindJSON(c echo.Context, v any) error {
	req := c.Request()
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return errs.Input("unable to read request body: %s", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" {
			return errs.Input("unsupported media type %q, expected application/json", ct)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Input("Malformed request: %s", err)
	}
	if dec.More() {
		return errs.Input("Malformed request: trailing data after JSON body")
	}
	return nil
}

// JSONBytes writes pre-serialised JSON.
func JSONBytes(c echo.Context, status int, body []byte) error {
	return c.Blob(status, "application/json; charset=utf-8", body)
}

// Empty writes a status with no body, as Backstage does for 200 on
// refresh and validate-entity.
func Empty(c echo.Context, status int) error {
	c.Response().WriteHeader(status)
	return nil
}

var _ = http.StatusOK
