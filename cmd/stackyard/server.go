package main

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stackyard/stackyard/catalog"
	"github.com/stackyard/stackyard/catalog/httpapi"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/config"
	"github.com/stackyard/stackyard/internal/httpx"
)

func newServer(cfg *config.Config, svc *catalog.Service, sec security, log *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = httpx.ErrorHandler(log)
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(metrics())
	e.Use(httpx.RequestLogger(log))
	e.Use(middleware.BodyLimit(strconv.FormatInt(cfg.Server.MaxBodyBytes, 10)))
	if len(cfg.Server.CORS.Origin) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:     cfg.Server.CORS.Origin,
			AllowMethods:     cfg.Server.CORS.Methods,
			AllowCredentials: cfg.Server.CORS.Credentials,
			AllowHeaders:     []string{"Authorization", "Content-Type", "Accept"},
			ExposeHeaders:    []string{"Link"},
		}))
	}
	e.Use(audit.RequestIDMiddleware())
	e.Use(sec.middleware(log))
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", func(c echo.Context) error {
		if !svc.Ready() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.Handler()))
	httpapi.Register(e.Group("/api/catalog"), svc, catalogPrincipal)
	audit.Register(e.Group("/api/stacks"), sec.audit)
	return e
}

var requests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "stackyard_http_requests_total",
	Help: "HTTP requests by route and status.",
}, []string{"method", "route", "status"})

func init() { prometheus.MustRegister(requests) }

func metrics() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			status := c.Response().Status
			if err != nil {
				if he, ok := err.(*echo.HTTPError); ok {
					status = he.Code
				}
			}
			requests.WithLabelValues(c.Request().Method, c.Path(), strconv.Itoa(status)).Inc()
			return err
		}
	}
}
