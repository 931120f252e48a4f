package db_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// Migration 6 moves the lookup of entities waiting for a ref out of the
// relations table: an entity that had an OwnerNotFoundError before it
// carries its missing owner into awaited_refs; an owner that exists, or
// an entity without that error, does not.
func TestMigrate_AwaitedRefsBackfill(t *testing.T) {
	ctx := context.Background()
	g := dbtest.Open(t)
	for _, stmt := range []string{
		"DELETE FROM schema_migrations WHERE version = 6",
		"DROP TABLE awaited_refs",
		"CREATE INDEX relations_target_entity_ref_idx ON relations (target_entity_ref)",
	} {
		if err := g.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	states := []struct{ id, ref, errors string }{
		{"e1", "component:default/waits", `[{"name":"OwnerNotFoundError","message":"..."}]`},
		{"e2", "component:default/fine", ""},
		{"e3", "component:default/owner-exists", `[{"name":"OwnerNotFoundError","message":"..."}]`},
		{"e4", "group:default/team-b", ""},
	}
	for _, s := range states {
		if err := g.Exec("INSERT INTO refresh_state (entity_id, entity_ref, unprocessed_entity, errors, last_discovery_at) VALUES (?, ?, '{}', ?, 0)", s.id, s.ref, s.errors).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range [][]string{
		{"e1", "component:default/waits", "ownedBy", "group:default/team-a"},
		{"e1", "component:default/waits", "partOf", "system:default/nowhere"},
		{"e2", "component:default/fine", "ownedBy", "group:default/team-c"},
		{"e3", "component:default/owner-exists", "ownedBy", "group:default/team-b"},
	} {
		if err := g.Exec("INSERT INTO relations (originating_entity_id, source_entity_ref, type, target_entity_ref) VALUES (?, ?, ?, ?)", r[0], r[1], r[2], r[3]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, g, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := g.Raw("SELECT entity_id || ' ' || target_entity_ref FROM awaited_refs").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if want := []string{"e1 group:default/team-a"}; !slices.Equal(got, want) {
		t.Fatalf("awaited_refs = %q, want %q", got, want)
	}
}
