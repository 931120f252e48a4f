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

// Migration 7 marks the relations whose source is the entity that emitted
// them, which leave the source index: an entity's own relation is marked, the
// reverse half it emits for another entity is not, and neither is a row
// whose source is not its origin's current ref.
func TestMigrate_RelationsFromTheirOrigin(t *testing.T) {
	ctx := context.Background()
	g := dbtest.Open(t)
	for _, stmt := range []string{
		"DELETE FROM schema_migrations WHERE version = 7",
		"DROP INDEX relations_source_entity_ref_idx",
		"ALTER TABLE relations DROP COLUMN source_is_origin",
		"CREATE INDEX relations_source_entity_ref_idx ON relations (source_entity_ref)",
	} {
		if err := g.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for _, s := range [][]string{{"e1", "component:default/a"}, {"e2", "group:default/team-a"}} {
		if err := g.Exec("INSERT INTO refresh_state (entity_id, entity_ref, unprocessed_entity, last_discovery_at) VALUES (?, ?, '{}', 0)", s[0], s[1]).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range [][]string{
		{"e1", "component:default/a", "ownedBy", "group:default/team-a"},
		{"e1", "group:default/team-a", "ownerOf", "component:default/a"},
		{"e2", "group:default/old-name", "hasMember", "user:default/sam"},
	} {
		if err := g.Exec("INSERT INTO relations (originating_entity_id, source_entity_ref, type, target_entity_ref) VALUES (?, ?, ?, ?)", r[0], r[1], r[2], r[3]).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, g, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := g.Raw("SELECT type || ' ' || CAST(source_is_origin AS TEXT) FROM relations ORDER BY type").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if want := []string{"hasMember 0", "ownedBy 1", "ownerOf 0"}; !slices.Equal(got, want) {
		t.Fatalf("relations = %q, want %q", got, want)
	}
}
