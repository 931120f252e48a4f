package db

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one append-only schema step. SQL is portable; the tokens
// {{serial}} and {{json_pairs}} are replaced per dialect.
type migration struct {
	version int
	name    string
	sql     string
}

// migrationLockID keys the Postgres advisory lock that lets several
// replicas start at once.
const migrationLockID = 7007_2026

// Migrate applies, in order, every migration the database has not seen.
func Migrate(ctx context.Context, g *gorm.DB, log *slog.Logger) error {
	dialect := DialectOf(g)
	return g.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if dialect == Postgres {
			if err := conn.Exec("SELECT pg_advisory_lock(?)", migrationLockID).Error; err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
			defer conn.Exec("SELECT pg_advisory_unlock(?)", migrationLockID)
		}
		if err := conn.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var applied []int
		if err := conn.Raw("SELECT version FROM schema_migrations").Scan(&applied).Error; err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if done[m.version] {
				continue
			}
			err := conn.Transaction(func(tx *gorm.DB) error {
				for _, stmt := range splitStatements(render(m.sql, dialect)) {
					if err := tx.Exec(stmt).Error; err != nil {
						return fmt.Errorf("migration %d %s: %w", m.version, m.name, err)
					}
				}
				return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
					m.version, m.name, time.Now().UnixMilli()).Error
			})
			if err != nil {
				return err
			}
			log.Info("applied migration", "version", m.version, "name", m.name)
		}
		return nil
	})
}

func render(sql string, d Dialect) string {
	serial := "INTEGER PRIMARY KEY AUTOINCREMENT"
	jsonPairs := "json_group_array(json_array(type, target_entity_ref))"
	if d == Postgres {
		serial = "BIGSERIAL PRIMARY KEY"
		jsonPairs = "json_agg(json_build_array(type, target_entity_ref))::text"
	}
	return strings.NewReplacer("{{serial}}", serial, "{{json_pairs}}", jsonPairs).Replace(sql)
}

func splitStatements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
