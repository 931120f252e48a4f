package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stackyard/stackyard/internal/db/dbtest"
	"github.com/stackyard/stackyard/internal/errs"
	"github.com/stackyard/stackyard/scaffolder/stacks/store"
)

func TestStore_CreateGetListUpdate(t *testing.T) {
	ctx := context.Background()
	s := store.New(dbtest.Open(t))
	a := &store.Stack{Name: "checkout", Template: "template:default/web-service", Version: "1.0.0", Digest: "sha256:ab",
		Values:     map[string]any{"name": "checkout", "owner": "group:default/team-a", "replicas": float64(3)},
		Repository: "file:///repos/checkout.git", Owner: "group:default/team-a", Lifecycle: "production",
		EntityRefs: []string{"component:default/checkout"},
		History:    []store.Event{{Action: "launch", To: "1.0.0", By: "user:default/ann"}}}
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	b := &store.Stack{Name: "orders-db", Template: "template:default/postgres-database", Version: "1.0.0",
		Repository: "r", Owner: "group:default/team-b", Lifecycle: "experimental"}
	if err := s.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, &store.Stack{Name: "checkout", Template: "x", Version: "1", Repository: "r", Owner: "o", Lifecycle: "l"}); !errors.Is(err, errs.ErrConflict) {
		t.Fatalf("duplicate create: %v", err)
	}
	got, err := s.Get(ctx, "default", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if got.Namespace != "default" || got.Values["replicas"] != float64(3) || len(got.EntityRefs) != 1 || got.History[0].Action != "launch" || got.CreatedAt.IsZero() {
		t.Fatalf("got %+v", got)
	}
	if _, err := s.Get(ctx, "default", "nope"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	all, err := s.List(ctx, store.Filter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("list all: %d %v", len(all), err)
	}
	mine, _ := s.List(ctx, store.Filter{Owner: "group:default/team-b"})
	web, _ := s.List(ctx, store.Filter{Template: "template:default/web-service"})
	if len(mine) != 1 || mine[0].Name != "orders-db" || len(web) != 1 || web[0].Name != "checkout" {
		t.Fatalf("filters: %v %v", mine, web)
	}
	if mine[0].Values == nil || mine[0].History == nil || mine[0].EntityRefs == nil {
		t.Fatal("empty collections must not be nil")
	}
	got.Version = "2.0.0"
	got.History = append(got.History, store.Event{Action: "upgrade", From: "1.0.0", To: "2.0.0"})
	if err := s.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Get(ctx, "default", "checkout")
	if again.Version != "2.0.0" || len(again.History) != 2 {
		t.Fatalf("after update %+v", again)
	}
	if err := s.Update(ctx, &store.Stack{Namespace: "default", Name: "ghost"}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
}
