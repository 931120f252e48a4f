// Package scaffoldertest holds test helpers for the scaffolder: an
// in-memory catalog, template fixtures on disk, and a running Service
// behind a real echo server.
package scaffoldertest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/db/dbtest"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/internal/httpx"
	"github.com/stackyard/stackyard/scaffolder"
	"github.com/stackyard/stackyard/scaffolder/httpapi"
	"github.com/stackyard/stackyard/scaffolder/tasks"
)

// Catalog is an in-memory catalog.
type Catalog struct {
	mu         sync.Mutex
	entities   map[string][]byte
	locations  map[string][]json.RawMessage
	Registered []string
}

var _ scaffolder.Catalog = (*Catalog)(nil)

// NewCatalog returns a catalog holding entities.
func NewCatalog(entities ...model.Entity) *Catalog {
	c := &Catalog{entities: map[string][]byte{}, locations: map[string][]json.RawMessage{}}
	for _, e := range entities {
		c.Add(e)
	}
	return c
}

// Add stores or replaces an entity.
func (c *Catalog) Add(e model.Entity) {
	data, _ := json.Marshal(e)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entities[e.Ref().String()] = data
}

// AddURL makes target a url location that emits entities.
func (c *Catalog) AddURL(target string, entities ...model.Entity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range entities {
		data, _ := json.Marshal(e)
		c.locations[target] = append(c.locations[target], data)
	}
}

// ByName implements scaffolder.Catalog.
func (c *Catalog) ByName(_ context.Context, ref model.EntityRef) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.entities[ref.String()]; ok {
		return b, nil
	}
	return nil, errs.NotFound("No entity named '%s' found, with kind '%s' in namespace '%s'", ref.Name, ref.Kind, ref.Namespace)
}

// AddLocation implements scaffolder.Catalog.
func (c *Catalog) AddLocation(_ context.Context, target string, dryRun bool) ([]json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entities, ok := c.locations[target]
	if !ok {
		return nil, errs.NotFound("Unable to read url, %s", target)
	}
	if !dryRun {
		c.Registered = append(c.Registered, target)
	}
	return entities, nil
}

// Template writes a template YAML and its files under dir and returns the
// entity as the catalog would serve it, with its managed-by-location.
func Template(t testing.TB, dir, yamlText string, files map[string]string) model.Entity {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(yamlText), 0o644); err != nil {
		t.Fatal(err)
	}
	var e model.Entity
	if err := yaml.Unmarshal([]byte(yamlText), &e); err != nil {
		t.Fatal(err)
	}
	e = jsonClean(e)
	e.SetAnnotation(model.AnnotationManagedByLocation, "file:"+path)
	e.SetAnnotation(model.AnnotationManagedByOriginLocation, "file:"+path)
	if e.Metadata()["namespace"] == nil {
		e.Metadata()["namespace"] = "default"
	}
	return e
}

// jsonClean turns YAML-decoded maps into JSON-shaped ones.
func jsonClean(e model.Entity) model.Entity {
	data, _ := json.Marshal(map[string]any(e))
	var out model.Entity
	_ = json.Unmarshal(data, &out)
	return out
}

// Quiet is a logger that discards everything.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Server is a running scaffolder behind a real echo server.
type Server struct {
	*httptest.Server
	Service *scaffolder.Service
	Catalog *Catalog
	User    string
}

// Options adjusts NewServer.
type Options struct {
	Scaffolder scaffolder.Options
	// NoWorker leaves the worker stopped.
	NoWorker bool
}

// NewServer starts a Service with its worker on a fresh database and an
// echo server with the scaffolder routes, acting as user:default/jane.
func NewServer(t testing.TB, cat *Catalog, opts Options) *Server {
	t.Helper()
	g := dbtest.Open(t)
	o := opts.Scaffolder
	if o.Worker.Concurrency == 0 {
		o.Worker.Concurrency = 4
	}
	if o.Worker.WorkspaceDir == "" {
		o.Worker.WorkspaceDir = t.TempDir()
	}
	if o.Worker.HeartbeatInterval == 0 {
		o.Worker.HeartbeatInterval = 100 * time.Millisecond
	}
	if o.Worker.PollInterval == 0 {
		o.Worker.PollInterval = 100 * time.Millisecond
	}
	if o.LongPollTimeout == 0 {
		o.LongPollTimeout = 2 * time.Second
	}
	svc := scaffolder.New(g, cat, o, Quiet())
	s := &Server{Service: svc, Catalog: cat, User: "user:default/jane"}
	e := echo.New()
	e.HTTPErrorHandler = httpx.ErrorHandler(Quiet())
	httpapi.Register(e.Group("/api/scaffolder"), svc, func(c echo.Context) (string, error) {
		if u := c.Request().Header.Get("X-Test-User"); u != "" {
			return u, nil
		}
		return s.User, nil
	})
	s.Server = httptest.NewServer(e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !opts.NoWorker {
			svc.Run(ctx)
		}
	}()
	t.Cleanup(func() {
		s.Server.Close()
		cancel()
		<-done
	})
	return s
}

// WaitStatus polls a task until it has one of the statuses.
func WaitStatus(t testing.TB, svc *scaffolder.Service, id string, timeout time.Duration, want ...tasks.Status) scaffolder.SerializedTask {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		task, err := svc.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("get task: %v", err)
		}
		for _, w := range want {
			if task.Status == w {
				return task
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s status %s, want one of %v", id, task.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Bodies decodes the bodies of events.
func Bodies(t testing.TB, events []scaffolder.SerializedEvent) []tasks.Body {
	t.Helper()
	out := make([]tasks.Body, len(events))
	for i, e := range events {
		if err := json.Unmarshal(e.Body, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Trace renders events as "type stepId status" lines, for comparisons.
func Trace(t testing.TB, events []scaffolder.SerializedEvent) []string {
	t.Helper()
	out := make([]string, len(events))
	for i, b := range Bodies(t, events) {
		out[i] = strings.Join(strings.Fields(string(events[i].Type)+" "+b.StepID+" "+string(b.Status)), " ")
	}
	return out
}
