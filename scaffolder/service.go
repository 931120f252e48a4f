// Package scaffolder is Backstage's scaffolder on Stackyard: templates from
// the catalog become durable tasks that a worker pool runs step by step.
//
// # Use cases
//
// Service holds the use cases the HTTP API in scaffolder/httpapi calls:
// the parameter schema of a template, creating, reading, listing,
// cancelling and retrying tasks, their events, and dry runs. Tasks and the
// worker live in scaffolder/tasks, actions in scaffolder/actions and the
// ${{ }} engine in scaffolder/templating.
//
// # Differences from Backstage
//
// A cancelled task ends with status cancelled, not failed. Secrets are
// never stored: they stay in the memory of the process that accepted the
// task, so a task that needs them cannot be recovered after a crash and
// fails with a message that says so. The task list leaves out user.entity,
// which the UI does not read and which made Backstage's list slow.
package scaffolder

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/tasks"
	"github.com/stackyard/stackyard/scaffolder/templating"
)

// Catalog is what the scaffolder needs from the catalog: templates and
// users by name, and location registration for catalog:register.
type Catalog = actions.Catalog

// Options configures a Service.
type Options struct {
	Worker tasks.WorkerOptions
	// ReadAllow are the hosts fetch:* may read from.
	ReadAllow []string
	// PublishAllow are the hosts publish:git may push to.
	PublishAllow []string
	// PublishRoots are the local directories publish:git may write to.
	PublishRoots []string
	// Templating bounds template evaluation.
	Templating templating.Options
	// LongPollTimeout bounds GET /v2/tasks/:id/events (30 s).
	LongPollTimeout time.Duration
	// Audit authorises and records task creation, cancel and retry
	// (internal/audit); nil still authorises but records nothing.
	Audit *audit.Log
}

// Service is the scaffolder.
type Service struct {
	store   *tasks.Store
	worker  *tasks.Worker
	runner  *tasks.Runner
	vault   *tasks.Vault
	catalog Catalog
	engine  *templating.Engine
	opts    Options
	log     *slog.Logger
}

// New wires a Service on g, which must carry migration 2.
func New(g *gorm.DB, cat Catalog, opts Options, log *slog.Logger) *Service {
	if opts.LongPollTimeout == 0 {
		opts.LongPollTimeout = 30 * time.Second
	}
	engine := templating.New(opts.Templating)
	reg := actions.NewRegistry(actions.Options{Catalog: cat, Engine: engine, ReadAllow: opts.ReadAllow,
		PublishAllow: opts.PublishAllow, PublishRoots: opts.PublishRoots, Log: log})
	store := tasks.NewStore(g, tasks.NewNotifier())
	runner := tasks.NewRunner(engine, reg, log)
	vault := tasks.NewVault()
	return &Service{
		store: store, runner: runner, vault: vault, catalog: cat, engine: engine, opts: opts, log: log,
		worker: tasks.NewWorker(store, runner, vault, opts.Worker, log),
	}
}

// Run runs the worker until ctx is done.
func (s *Service) Run(ctx context.Context) { s.worker.Run(ctx) }

// Actions lists the registered actions, sorted by id.
func (s *Service) Actions() []actions.Description { return s.runner.Actions().List() }

// Register adds an action, for tests and extensions.
func (s *Service) Register(a actions.Action) { s.runner.Actions().Register(a) }

// Store returns the task store, for tests and benchmarks.
func (s *Service) Store() *tasks.Store { return s.store }

// TemplatingExtensions lists the filters and globals templates can use.
func (s *Service) TemplatingExtensions() map[string]any {
	return map[string]any{
		"filters": templating.Extensions(),
		"globals": map[string]any{
			"functions": map[string]any{
				"always":  map[string]any{"description": "Makes a step run even after an earlier step failed."},
				"failure": map[string]any{"description": "True when an earlier step failed; makes a step run after it."},
			},
			"values": map[string]any{},
		},
	}
}
