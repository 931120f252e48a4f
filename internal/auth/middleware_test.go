package auth_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/auth/authtest"
	"github.com/stackyard/stackyard/internal/httpx"
)

// TestMiddleware runs the middleware in a real echo server with the real
// error handler: a bad token gets Backstage's 401 envelope, naming the
// failed check; a good one reaches the handler with its principal. The
// token never shows up in a log line.
func TestMiddleware(t *testing.T) {
	bs := authtest.NewIssuer(t, "/api/auth")
	a := newAuthenticator(t, bs)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := echo.New()
	e.HTTPErrorHandler = httpx.ErrorHandler(log)
	e.Use(middleware.RequestID())
	e.Use(auth.Middleware(a, auth.MiddlewareOptions{Log: log, Skip: func(c echo.Context) bool { return c.Path() == "/healthz" }}))
	e.GET("/healthz", func(c echo.Context) error { return c.String(200, "ok") })
	e.GET("/api/catalog/whoami", func(c echo.Context) error {
		p, ok := auth.FromContext(c.Request().Context())
		if !ok {
			return c.String(500, "no principal")
		}
		return c.JSON(200, p)
	})
	srv := httptest.NewServer(e)
	defer srv.Close()

	get := func(path, token string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if status, _ := get("/healthz", ""); status != 200 {
		t.Errorf("healthz = %d", status)
	}
	good := bs.UserToken("user:default/alice", "user:default/alice")
	status, body := get("/api/catalog/whoami", good)
	if status != 200 || body["UserRef"] != "user:default/alice" {
		t.Fatalf("whoami = %d %v", status, body)
	}
	expired := bs.Sign(authtest.TypUser, map[string]any{"iss": bs.URL, "sub": "user:default/alice", "aud": "backstage", "iat": 1, "exp": 2})
	for _, tok := range []string{"", "garbage", expired} {
		status, body := get("/api/catalog/whoami", tok)
		e, _ := body["error"].(map[string]any)
		r, _ := body["response"].(map[string]any)
		if status != 401 || e["name"] != "AuthenticationError" || r["statusCode"] != float64(401) {
			t.Errorf("token %.10q: %d %v, want 401 AuthenticationError envelope", tok, status, body)
		}
		if tok == expired && !strings.Contains(e["message"].(string), "expiry check failed") {
			t.Errorf("message %q does not name the expiry check", e["message"])
		}
	}
	if strings.Contains(logs.String(), expired) || strings.Contains(logs.String(), good) {
		t.Errorf("a token was logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "expiry check failed") {
		t.Errorf("the reason was not logged:\n%s", logs.String())
	}
}
