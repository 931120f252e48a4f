package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
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
	data, err := readBody(c)
	if err != nil {
		return err
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

func readBody(c echo.Context) ([]byte, error) {
	data, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, errs.Input("unable to read request body: %s", err)
	}
	return data, nil
}

// MIMEJSON is the content type of every JSON answer, as Express's res.json
// sends it (echo's c.JSON leaves out the charset).
const MIMEJSON = "application/json; charset=utf-8"

// JSON writes v as JSON with MIMEJSON. Like JSON.stringify, it leaves <, >
// and & unescaped.
func JSON(c echo.Context, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return JSONBytes(c, status, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// JSONBytes writes pre-serialised JSON with MIMEJSON.
func JSONBytes(c echo.Context, status int, body []byte) error {
	return c.Blob(status, MIMEJSON, body)
}

// Empty writes a status with no body, as Backstage does for 200 on
// refresh and validate-entity.
func Empty(c echo.Context, status int) error {
	c.Response().WriteHeader(status)
	return nil
}
