// Package dbtest opens a fresh, migrated database for a test: SQLite in a
// temporary directory by default, or a private schema in the PostgreSQL
// named by STACKYARD_TEST_POSTGRES_URL when STACKYARD_TEST_DATABASE=postgres.
package dbtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db"
)

var counter atomic.Int64

// Engine returns the engine tests run on: "sqlite" or "postgres".
func Engine() string {
	if os.Getenv("STACKYARD_TEST_DATABASE") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// URL returns a database URL for a fresh, empty database and registers its
// cleanup.
func URL(t testing.TB) string {
	t.Helper()
	if Engine() != "postgres" {
		return "sqlite:" + filepath.Join(t.TempDir(), "stackyard.db")
	}
	base := os.Getenv("STACKYARD_TEST_POSTGRES_URL")
	if base == "" {
		t.Fatal("STACKYARD_TEST_DATABASE=postgres needs STACKYARD_TEST_POSTGRES_URL")
	}
	schema := fmt.Sprintf("t_%d_%d", time.Now().UnixNano(), counter.Add(1))
	admin, err := db.Open(context.Background(), base, db.Options{}, quiet())
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Open returns a fresh, migrated database closed at the end of the test.
func Open(t testing.TB) *gorm.DB {
	t.Helper()
	g, err := db.Open(context.Background(), URL(t), db.Options{}, quiet())
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() {
		if sqlDB, err := g.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return g
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
