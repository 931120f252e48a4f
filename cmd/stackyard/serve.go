package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/stackyard/stackyard/catalog"
	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/processing"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/config"
	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/memlimit"
	"github.com/stackyard/stackyard/internal/memtrim"
	scafhttp "github.com/stackyard/stackyard/scaffolder/httpapi"
	"github.com/stackyard/stackyard/scaffolder/stacks/fleet"
	stackshttp "github.com/stackyard/stackyard/scaffolder/stacks/httpapi"
	stackstore "github.com/stackyard/stackyard/scaffolder/stacks/store"
	"github.com/stackyard/stackyard/schemas"
)

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	if cfg.Auth.DevMode() {
		if !loopback(cfg.Server.Listen) {
			return fmt.Errorf("development mode (no auth configured) refuses to listen on %s: bind a loopback address or configure auth", cfg.Server.Listen)
		}
		log.Warn("development mode: no token verifier configured, every request acts as user:default/guest, an admin")
	} else {
		log.Info("verifying tokens", "backstage", cfg.Auth.Backstage != nil, "oidc_issuers", len(cfg.Auth.OIDC),
			"external_access_tokens", len(cfg.Auth.ExternalAccess), "admins", cfg.Auth.Admins)
	}
	applyMemoryLimit(ctx, cfg.Server.MemoryLimit, log)
	memtrim.LimitArenas()
	app, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.Server.Listen, Handler: app.echo, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("stackyard listening", "addr", ln.Addr().String(), "base_url", cfg.Server.BaseURL)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Let the engine give back what it claimed, so the next process takes
	// it at once.
	app.catalog.Wait(10 * time.Second)
	return nil
}

// app is the wired server: its HTTP handler and the catalog behind it.
type app struct {
	echo    *echo.Echo
	catalog *catalog.Service
	stacks  *fleet.Service
}

// build wires everything serve runs: database, audit log, catalog (started),
// scaffolder and the echo routes. Tests use it too, so they exercise the
// real wiring.
func build(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	g, err := db.Open(ctx, cfg.Database.URL, db.Options{SQLiteCacheSize: int64(cfg.Database.CacheSize)}, log)
	if err != nil {
		return nil, err
	}
	al := audit.New(g, log.With("component", "audit"))
	svc, err := newCatalog(cfg, store.New(g), al, log)
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx); err != nil {
		return nil, err
	}
	e := newServer(cfg, svc, newSecurity(cfg, svc, al, log), log)
	fl, err := newFleet(ctx, cfg, g, svc, al, log)
	if err != nil {
		return nil, err
	}
	stackActions := append(fl.Actions(), fl.LaunchAction(fleet.LaunchOptions{Repositories: cfg.Resolve(cfg.Stacks.Repositories)}))
	sc := newScaffolder(ctx, cfg, g, svc, al, log, stackActions...)
	fl.UseTasks(sc)
	go fl.Run(ctx, time.Duration(cfg.Stacks.RefreshInterval))
	scafhttp.Register(e.Group("/api/scaffolder"), sc, scaffolderPrincipal)
	stackshttp.Register(e.Group("/api/stacks"), fl)
	return &app{echo: e, catalog: svc, stacks: fl}, nil
}

// newFleet loads the stack templates of stacks.templates and publishes
// their newest versions in the catalog as Template entities.
func newFleet(ctx context.Context, cfg *config.Config, g *gorm.DB, svc *catalog.Service, al *audit.Log, log *slog.Logger) (*fleet.Service, error) {
	var sources []string
	for _, t := range cfg.Stacks.Templates {
		src := t.Source
		if config.IsLocalSource(src) {
			src = cfg.Resolve(src)
		}
		sources = append(sources, src)
	}
	fl, err := fleet.New(ctx, stackstore.New(g), fleet.Options{Sources: sources, Audit: al, Catalog: svc, Logger: log.With("component", "stacks")})
	if err != nil {
		return nil, fmt.Errorf("load stack templates: %w", err)
	}
	return fl, fl.Publish(ctx)
}

func newCatalog(cfg *config.Config, st *store.Store, al *audit.Log, log *slog.Logger) (*catalog.Service, error) {
	v, err := schemas.Compile(schemas.Options{Lifecycles: cfg.Catalog.Policy.Lifecycles, Policy: cfg.Catalog.Policy.CUE})
	if err != nil {
		return nil, fmt.Errorf("compile catalog policy: %w", err)
	}
	var allow []string
	for _, h := range cfg.Catalog.Reading.Allow {
		allow = append(allow, h.Host)
	}
	urls := processing.NewURLReader(allow)
	rules := processing.Rules{PerLocation: map[string][]string{}}
	for _, r := range cfg.Catalog.Rules {
		rules.Global = append(rules.Global, r.Allow...)
	}
	var locs []model.Location
	for _, l := range cfg.Catalog.Locations {
		target := l.Target
		if l.Type == "file" && !filepath.IsAbs(target) {
			target = filepath.Join(cfg.Dir, target)
		}
		locs = append(locs, model.Location{Type: l.Type, Target: target})
		for _, r := range l.Rules {
			rules.PerLocation[l.Type+":"+target] = append(rules.PerLocation[l.Type+":"+target], r.Allow...)
		}
	}
	ix := query.NewIndexWith(st, cfg.Catalog.CachedEntities)
	svc := catalog.New(st, ix, v, urls, catalog.Options{
		ConfigLocations:      locs,
		AllowedLocationTypes: cfg.Catalog.AllowedLocationTypes,
		ConflictStrategy:     cfg.Catalog.DefaultLocationConflictStrategy,
		Readonly:             cfg.Catalog.Readonly,
		Admins:               cfg.Auth.Admins,
		Audit:                al,
	}, log)
	engine := processing.New(st, v, processing.Options{
		Interval:       time.Duration(cfg.Catalog.ProcessingInterval),
		OrphanStrategy: cfg.Catalog.OrphanStrategy,
		Rules:          rules,
		Readers:        map[string]processing.Reader{"file": processing.FileReader{}, "url": urls},
		OnStitched:     svc.Stitched,
		OnDeleted:      svc.Deleted,
		OnIdle:         svc.Idle,
	}, log)
	svc.SetEngine(engine)
	return svc, nil
}

func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("STACKYARD_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// applyMemoryLimit sets the Go runtime's soft memory limit to
// server.memoryLimit, unless the GOMEMLIMIT environment variable set one.
// Unset, the limit follows the live heap (memlimit.Default) until ctx ends.
func applyMemoryLimit(ctx context.Context, limit config.ByteSize, log *slog.Logger) {
	switch {
	case os.Getenv("GOMEMLIMIT") != "":
		log.Info("memory limit set by GOMEMLIMIT; server.memoryLimit is ignored", "GOMEMLIMIT", os.Getenv("GOMEMLIMIT"))
	case limit <= 0:
		p := memlimit.Default
		p.Apply()
		go p.Follow(ctx, time.Second)
		log.Info("memory limit follows the live heap", "floor_bytes", p.Floor, "factor", p.Factor)
	default:
		debug.SetMemoryLimit(int64(limit))
		log.Info("memory limit", "bytes", int64(limit))
	}
}
