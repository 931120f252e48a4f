package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/catalog"
	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/config"
	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// newScaffolder wires the scaffolder on the catalog, adds extra actions
// (the stack launch) and starts its task worker, which stops when ctx is
// done. The actions are registered before the worker runs, so no task
// sees the registry change.
func newScaffolder(ctx context.Context, cfg *config.Config, g *gorm.DB, cat *catalog.Service, al *audit.Log, log *slog.Logger, extra ...actions.Action) *scaffolder.Service {
	sc := cfg.Scaffolder
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(cfg.Dir, p)
	}
	roots := make([]string, len(sc.Publish.LocalRoots))
	for i, r := range sc.Publish.LocalRoots {
		roots[i] = abs(r)
	}
	var readAllow []string
	for _, h := range sc.Reading.Allow {
		readAllow = append(readAllow, h.Host)
	}
	svc := scaffolder.New(g, scaffolderCatalog{cat}, scaffolder.Options{
		Worker: tasks.WorkerOptions{
			Concurrency:       *sc.Concurrency,
			WorkspaceDir:      abs(sc.WorkspaceDir),
			HeartbeatInterval: time.Duration(sc.HeartbeatInterval),
			StaleTimeout:      time.Duration(sc.StaleTimeout),
		},
		ReadAllow:    readAllow,
		PublishAllow: sc.Publish.AllowedHosts,
		PublishRoots: roots,
		Audit:        al,
	}, log.With("component", "scaffolder"))
	for _, a := range extra {
		svc.Register(a)
	}
	go svc.Run(ctx)
	return svc
}

// scaffolderCatalog adapts the catalog to scaffolder.Catalog.
type scaffolderCatalog struct{ svc *catalog.Service }

var _ scaffolder.Catalog = scaffolderCatalog{}

func (c scaffolderCatalog) ByName(ctx context.Context, ref model.EntityRef) ([]byte, error) {
	return c.svc.ByName(ctx, ref)
}

func (c scaffolderCatalog) AddLocation(ctx context.Context, target string, dryRun bool) ([]json.RawMessage, error) {
	res, err := c.svc.AddLocation(ctx, "url", target, dryRun, "")
	if err != nil {
		return nil, err
	}
	return res.Entities, nil
}
