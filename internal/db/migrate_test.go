package db_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
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
		// Migration 8 dropped the column again: the table is as before 7.
		"DELETE FROM schema_migrations WHERE version = 7",
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

// Migration 8 moves each entity's own relations into its refresh_state
// row, as [type, target] pairs, and keeps the reverse halves it emitted
// for other entities as rows.
func TestMigrate_OwnRelationsInTheRow(t *testing.T) {
	ctx := context.Background()
	g := dbtest.Open(t)
	for _, stmt := range []string{
		"DELETE FROM schema_migrations WHERE version = 8",
		"ALTER TABLE refresh_state DROP COLUMN relations",
		"DROP INDEX relations_source_entity_ref_idx",
		"ALTER TABLE relations ADD COLUMN source_is_origin INTEGER NOT NULL DEFAULT 0",
		"CREATE INDEX relations_source_entity_ref_idx ON relations (source_entity_ref) WHERE source_is_origin = 0",
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
	for _, r := range []struct {
		id, source, typ, target string
		own                     int
	}{
		{"e1", "component:default/a", "ownedBy", "group:default/team-a", 1},
		{"e1", "component:default/a", "partOf", "system:default/s", 1},
		{"e1", "group:default/team-a", "ownerOf", "component:default/a", 0},
	} {
		if err := g.Exec("INSERT INTO relations (originating_entity_id, source_entity_ref, type, target_entity_ref, source_is_origin) VALUES (?, ?, ?, ?, ?)",
			r.id, r.source, r.typ, r.target, r.own).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, g, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		EntityID  string
		Relations string
	}
	if err := g.Raw("SELECT entity_id, relations FROM refresh_state ORDER BY entity_id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1].Relations != "" {
		t.Fatalf("rows = %+v, want e2 without relations", rows)
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(rows[0].Relations), &pairs); err != nil {
		t.Fatalf("e1 relations %q: %v", rows[0].Relations, err)
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	if want := [][2]string{{"ownedBy", "group:default/team-a"}, {"partOf", "system:default/s"}}; !slices.Equal(pairs, want) {
		t.Fatalf("e1 relations = %v, want %v", pairs, want)
	}
	var left []string
	if err := g.Raw("SELECT type FROM relations").Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(left, []string{"ownerOf"}) {
		t.Fatalf("relation rows left = %q, want the reverse half only", left)
	}
}
