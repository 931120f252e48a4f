package db

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// A new SQLite file gets 16 KB pages and WAL, set before anything is
// written, and keeps them when it is opened again.
func TestOpen_SQLitePragmas(t *testing.T) {
	url := "sqlite:" + t.TempDir() + "/stackyard.db"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The default page cache, then a configured one (cache_size < 0 is KiB).
	for i, opts := range []Options{{}, {SQLiteCacheSize: 16 << 20}} {
		g, err := Open(context.Background(), url, opts, log)
		if err != nil {
			t.Fatal(err)
		}
		var pageSize, cacheSize int
		var mode string
		if err := g.Raw("PRAGMA page_size").Scan(&pageSize).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Raw("PRAGMA cache_size").Scan(&cacheSize).Error; err != nil {
			t.Fatal(err)
		}
		if pageSize != 16384 || mode != "wal" {
			t.Fatalf("page_size %d, journal_mode %q; want 16384 and wal", pageSize, mode)
		}
		if want := []int{-4096, -16384}[i]; cacheSize != want {
			t.Fatalf("cache_size %d, want %d", cacheSize, want)
		}
		sqlDB, _ := g.DB()
		sqlDB.Close()
	}
}
