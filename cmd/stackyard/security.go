package main

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/config"
)

// guestRef is who every request acts as in development mode.
const guestRef = "user:default/guest"

// security is who requests act for (verifier) and the audit log of what
// they changed.
type security struct {
	verifier auth.Verifier
	audit    *audit.Log
}

// newSecurity builds the verifier the auth section asks for: development
// mode (every request is the guest, an admin) when it configures nothing.
func newSecurity(cfg *config.Config, dir auth.Directory, al *audit.Log, log *slog.Logger) security {
	if cfg.Auth.DevMode() {
		return security{verifier: auth.Development{UserRef: guestRef, Directory: dir}, audit: al}
	}
	opts := auth.Options{Admins: cfg.Auth.Admins, Directory: dir, Log: log.With("component", "auth")}
	if b := cfg.Auth.Backstage; b != nil {
		opts.Backstage = &auth.BackstageIssuer{Issuer: b.Issuer, Algorithms: b.Algorithms, PluginBaseURL: b.PluginBaseURL}
	}
	for _, o := range cfg.Auth.OIDC {
		opts.OIDC = append(opts.OIDC, auth.OIDCIssuer{Issuer: o.Issuer, Audience: o.Audience, Algorithms: o.Algorithms,
			UserClaim: o.UserClaim, GroupsClaim: o.GroupsClaim})
	}
	for _, e := range cfg.Auth.ExternalAccess {
		opts.Static = append(opts.Static, auth.StaticToken{Token: e.Token, Subject: e.Subject})
	}
	return security{verifier: auth.New(opts), audit: al}
}

// middleware authenticates every request but health, readiness, metrics
// and CORS preflights; unknown routes need credentials too.
func (s security) middleware(log *slog.Logger) echo.MiddlewareFunc {
	open := map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}
	return auth.Middleware(s.verifier, auth.MiddlewareOptions{
		Log: log.With("component", "auth"),
		Skip: func(c echo.Context) bool {
			return open[c.Request().URL.Path] || c.Request().Method == http.MethodOptions
		},
	})
}

// catalogPrincipal gives catalog handlers the caller's ownership refs.
func catalogPrincipal(c echo.Context) ([]string, bool) {
	p, ok := auth.FromContext(c.Request().Context())
	if !ok {
		return nil, false
	}
	return p.Ownership, p.Admin
}

// scaffolderPrincipal is the creator recorded on tasks: the user (its
// entity ref, or the raw claim of a user the catalog does not know), or
// "" for a service.
func scaffolderPrincipal(c echo.Context) (string, error) {
	p, ok := auth.FromContext(c.Request().Context())
	if !ok || !p.IsUser() {
		return "", nil
	}
	return p.Subject, nil
}
