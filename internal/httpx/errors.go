// Package httpx is the echo glue shared by every API: the one error-to-HTTP
// map (Backstage's error envelope), request logging and body helpers.
package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/errs"
)

// ErrorBody is Backstage's ErrorResponseBody.
type ErrorBody struct {
	Error    SerializedError `json:"error"`
	Request  RequestInfo     `json:"request"`
	Response ResponseInfo    `json:"response"`
}

// SerializedError is a serialised Error, as @backstage/errors writes it.
type SerializedError struct {
	Name    string            `json:"name"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
}

// RequestInfo names the failed request, relative to the plugin router.
type RequestInfo struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// ResponseInfo carries the status code.
type ResponseInfo struct {
	StatusCode int `json:"statusCode"`
}

// statusOf maps an error to its HTTP status and Backstage error name.
func statusOf(err error) (int, string) {
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		// An oversized body is bad input like any other (the body limit
		// middleware answers 413).
		return http.StatusBadRequest, "InputError"
	case errors.As(err, &he):
		return he.Code, nameForStatus(he.Code)
	case errors.Is(err, errs.ErrInput):
		return http.StatusBadRequest, "InputError"
	case errors.Is(err, errs.ErrUnauthenticated):
		return http.StatusUnauthorized, "AuthenticationError"
	case errors.Is(err, errs.ErrNotAllowed):
		return http.StatusForbidden, "NotAllowedError"
	case errors.Is(err, errs.ErrNotFound):
		return http.StatusNotFound, "NotFoundError"
	case errors.Is(err, errs.ErrConflict):
		return http.StatusConflict, "ConflictError"
	case errors.Is(err, errs.ErrNotImplemented):
		return http.StatusNotImplemented, "NotImplementedError"
	case errors.Is(err, errs.ErrUnavailable):
		return http.StatusServiceUnavailable, "ServiceUnavailableError"
	}
	return http.StatusInternalServerError, "Error"
}

func nameForStatus(code int) string {
	switch code {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		return "InputError"
	case http.StatusUnauthorized:
		return "AuthenticationError"
	case http.StatusForbidden:
		return "NotAllowedError"
	case http.StatusNotFound:
		return "NotFoundError"
	case http.StatusConflict:
		return "ConflictError"
	}
	return "Error"
}

// ErrorHandler writes every error as Backstage's envelope. It is the only
// place that maps errors to statuses.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, name := statusOf(err)
		msg := err.Error()
		var he *echo.HTTPError
		if errors.As(err, &he) {
			msg = httpErrorMessage(he)
			if he.Code == http.StatusNotFound && msg == "Not Found" {
				// Backstage answers unknown routes with an empty 404.
				_ = c.NoContent(http.StatusNotFound)
				return
			}
		}
		if status >= 500 {
			id := logID()
			log.Error("request failed", "log_id", id, "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
			msg = "An internal error occurred logId=" + id
		} else {
			log.Debug("request rejected", "status", status, "err", err)
		}
		body := ErrorBody{
			Error:    SerializedError{Name: name, Message: msg},
			Request:  RequestInfo{Method: c.Request().Method, URL: pluginRelative(c.Request().URL.RequestURI())},
			Response: ResponseInfo{StatusCode: status},
		}
		var ve *errs.ValidationError
		if errors.As(err, &ve) {
			body.Error.Fields = ve.Fields
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = JSON(c, status, body)
	}
}

func httpErrorMessage(he *echo.HTTPError) string {
	switch m := he.Message.(type) {
	case string:
		return m
	case error:
		return m.Error()
	}
	return http.StatusText(he.Code)
}

// pluginRelative strips "/api/<plugin>" so request.url is relative to the
// plugin router, as in Backstage.
func pluginRelative(uri string) string {
	if rest, ok := strings.CutPrefix(uri, "/api/"); ok {
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			return ensureSlash(rest[i:])
		}
		return "/"
	}
	return uri
}

func ensureSlash(s string) string {
	if strings.HasPrefix(s, "?") {
		return "/" + s
	}
	return s
}

func logID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
