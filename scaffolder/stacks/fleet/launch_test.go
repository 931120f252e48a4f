package fleet

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/db/dbtest"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/actions"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
)

type fakeCatalog struct{ provided map[string][]model.Entity }

func (c *fakeCatalog) PublishProvided(_ context.Context, provider string, ents []model.Entity) error {
	c.provided[provider] = ents
	return nil
}

// newTestFleet is a fleet over source on a fresh test database, publishing
// into a recording catalog.
func newTestFleet(t *testing.T, source string) (*Service, *store.Store, *fakeCatalog) {
	t.Helper()
	ctx := context.Background()
	g, err := db.Open(ctx, dbtest.URL(t), db.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(g)
	cat := &fakeCatalog{provided: map[string][]model.Entity{}}
	fl, err := New(ctx, st, Options{Sources: []string{source}, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return fl, st, cat
}

// TestLaunch_SecretsNotStored: a @secret() value renders but is never
// recorded with the stack; launching the same name twice is a conflict.
func TestLaunch_SecretsNotStored(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	ver := filepath.Join(src, "2.0.0")
	if err := os.CopyFS(ver, os.DirFS("../../../schemas/stacks/web-service/2.0.0")); err != nil {
		t.Fatal(err)
	}
	extra := "package webservice\n\nparameters: apiToken: string | *\"\" @secret()\n"
	if err := os.WriteFile(filepath.Join(ver, "secret.cue"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	fl, st, cat := newTestFleet(t, src)
	repos := t.TempDir()
	a := fl.LaunchAction(LaunchOptions{Repositories: repos})
	run := func() error {
		return a.Run(ctx, &actions.Context{Workspace: t.TempDir(), User: actions.User{Ref: "user:default/sam"}, Input: map[string]any{
			"template": "web-service", "version": "2.0.0",
			"values": map[string]any{"name": "orders", "owner": "group:default/team-a", "apiToken": "s3cret"},
		}})
	}
	if err := run(); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, "default", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Values["apiToken"]; ok || got.Values["name"] != "orders" || len(got.Values) != 2 {
		t.Fatalf("stored values = %v", got.Values)
	}
	if len(got.History) != 1 || got.History[0].By != "user:default/sam" || got.History[0].Action != "launched" {
		t.Fatalf("history = %v", got.History)
	}
	if ents := cat.provided[StackProvider("default", "orders")]; len(ents) == 0 || len(ents) != len(got.EntityRefs) {
		t.Fatalf("provided = %v, refs = %v", ents, got.EntityRefs)
	}
	if err := run(); !errors.Is(err, errs.ErrConflict) {
		t.Fatalf("second launch = %v, want a conflict", err)
	}
	if _, err := os.Stat(filepath.Join(repos, "default", "orders.git")); err != nil {
		t.Fatalf("the first launch's repository is gone after a refused second launch: %v", err)
	}
}

// TestLaunch_CUEHasTheFinalWord: values that reach the launch action
// without the form's JSON Schema (another template's step, an API client
// that skipped it) are still checked by CUE: the guardrail fails the step,
// naming its field first, and nothing is created.
func TestLaunch_CUEHasTheFinalWord(t *testing.T) {
	ctx := context.Background()
	fl, st, _ := newTestFleet(t, "../../../schemas/stacks/web-service")
	repos := t.TempDir()
	err := fl.LaunchAction(LaunchOptions{Repositories: repos}).Run(ctx, &actions.Context{Workspace: t.TempDir(), Input: map[string]any{
		"template": "web-service", "values": map[string]any{"name": "tight", "owner": "group:default/team-a", "replicas": 2, "minAvailable": 2}}})
	if err == nil || !errors.Is(err, errs.ErrInput) || !strings.Contains(err.Error(), "guardrails: minAvailable: minAvailable (2) must be lower than replicas (2)") {
		t.Fatalf("launch = %v", err)
	}
	if _, err := os.Stat(filepath.Join(repos, "default", "tight.git")); !os.IsNotExist(err) {
		t.Fatalf("a refused launch left a repository: %v", err)
	}
	if _, err := st.Get(ctx, "default", "tight"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("a refused launch recorded a stack: %v", err)
	}
}
