package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/errs"
)

// Verifier authenticates one request: the Authenticator, or Development.
type Verifier interface {
	Authenticate(ctx context.Context, r Request) (*Principal, error)
}

// MiddlewareOptions adjusts Middleware.
type MiddlewareOptions struct {
	// Skip lets a request through without a principal (health, metrics).
	Skip func(c echo.Context) bool
	// AllowLimited reports whether a route accepts limited-user tokens.
	AllowLimited func(c echo.Context) bool
	Log          *slog.Logger
}

// Middleware authenticates every request it sees and puts the principal
// in the request context (FromContext). A request it cannot authenticate
// ends with 401 AuthenticationError and never reaches a handler. The
// reason is logged; the token is not.
func Middleware(v Verifier, opts MiddlewareOptions) echo.MiddlewareFunc {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if opts.Skip != nil && opts.Skip(c) {
				return next(c)
			}
			req := c.Request()
			r := Request{Authorization: req.Header.Get(echo.HeaderAuthorization), Plugin: pluginOf(req.URL.Path)}
			if opts.AllowLimited != nil {
				r.AllowLimited = opts.AllowLimited(c)
			}
			p, err := v.Authenticate(req.Context(), r)
			if err != nil {
				level := slog.LevelInfo
				if !errors.Is(err, errs.ErrUnauthenticated) {
					level = slog.LevelWarn
				}
				opts.Log.Log(req.Context(), level, "authentication failed",
					slog.Group("request", slog.String("method", req.Method), slog.String("path", req.URL.Path),
						slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID))),
					slog.String("reason", err.Error()))
				return err
			}
			c.SetRequest(req.WithContext(NewContext(req.Context(), p)))
			return next(c)
		}
	}
}

// pluginOf returns <plugin> of /api/<plugin>/…, the audience of plugin tokens.
func pluginOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/")
	if !ok {
		return ""
	}
	plugin, _, _ := strings.Cut(rest, "/")
	return plugin
}

// Development is the verifier of development mode: every request, with or
// without a token, acts as one user (Backstage's guest), who is an admin.
type Development struct {
	UserRef   string
	Directory Directory
}

// Authenticate implements Verifier.
func (d Development) Authenticate(context.Context, Request) (*Principal, error) {
	refs := []string{d.UserRef}
	if d.Directory != nil {
		refs = d.Directory.ExpandOwnership(refs)
	}
	p := &Principal{Type: TypeUser, Subject: d.UserRef, UserRef: d.UserRef, Ownership: refs, Admin: true, Via: "development"}
	return p.finish(nil), nil
}
