// Package store is the catalog's persistence: refresh state, references,
// relations, final entities, search rows and locations. It is the only
// package that sees gorm; it translates gorm errors into errs sentinels.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/errs"
)

// Store reads and writes the catalog tables.
type Store struct {
	db      *gorm.DB
	dialect db.Dialect
	// writeMu serialises SQLite writers inside the process: a waiting
	// writer is handed the lock at once instead of sleeping in SQLite's
	// busy handler, which left the CPU idle between the processing and
	// stitching loops. It is nil for PostgreSQL, which has row locks.
	writeMu *sync.Mutex
	inTx    bool
}

// New returns a Store over an open, migrated database.
func New(g *gorm.DB) *Store {
	s := &Store{db: g, dialect: db.DialectOf(g)}
	if s.dialect == db.SQLite {
		s.writeMu = &sync.Mutex{}
	}
	return s
}

// InTx runs fn in one transaction; fn's Store writes through it.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	defer s.lockWrites()()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(&Store{db: tx, dialect: s.dialect, writeMu: s.writeMu, inTx: true}); err != nil {
			return err
		}
		// The audit record of the change (db.WithTxHook) commits with it.
		return db.RunTxHook(ctx, tx)
	})
}

// lockWrites takes the in-process write lock (SQLite, outside a
// transaction that already holds it) and returns its release.
func (s *Store) lockWrites() func() {
	if s.writeMu == nil || s.inTx {
		return func() {}
	}
	s.writeMu.Lock()
	return s.writeMu.Unlock
}

// Ping checks the database connection.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return translate(err)
	}
	return translate(sqlDB.PingContext(ctx))
}

// q returns the database for statements on ctx.
//
// On SQLite the statement's context cannot be cancelled: go-sqlite3 runs a
// statement whose context can be, and every row it steps, on a goroutine of
// its own so that it can interrupt it, which cost 12 % of the CPU of
// ingesting 100,000 entities (110 against 125 CPU-s). The statements are
// short (writes are chunked and serialised in this process), a transaction
// still rolls back when its context ends, and PostgreSQL keeps cancellation.
func (s *Store) q(ctx context.Context) *gorm.DB {
	if s.dialect == db.SQLite {
		ctx = context.WithoutCancel(ctx)
	}
	return s.db.WithContext(ctx)
}

// each runs a query and calls fn with the rows, one at a time. It scans
// with database/sql itself: gorm's Scan reflects over every row, which was
// about half of what the stitcher's reads cost.
func (s *Store) each(ctx context.Context, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := s.q(ctx).Raw(query, args...).Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// translate maps gorm errors onto the errs sentinels.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%w: %w", errs.ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %w", errs.ErrConflict, err)
	}
	return err
}

// skipLocked is the row-claiming suffix: Postgres lets replicas claim
// disjoint batches; SQLite has one writer, so it needs none.
func (s *Store) skipLocked() string {
	if s.dialect == db.Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// insertRows writes rows with multi-row INSERT statements of at most
// chunk rows each.
func (s *Store) insertRows(ctx context.Context, head string, cols int, rows [][]any, tail ...string) error {
	// A fixed chunk size keeps the statement text the same, so it is
	// prepared once (gorm's statement cache); the rest goes in chunks of
	// powers of two, so a statement has at most eight texts.
	chunk := min(128, 30000/cols)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	for start := 0; start < len(rows); {
		n := chunk
		for n > len(rows)-start {
			n /= 2
		}
		end := start + n
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" VALUES ")
		args := make([]any, 0, (end-start)*cols)
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(tuple)
			args = append(args, r...)
		}
		for _, t := range tail {
			b.WriteString(t)
		}
		if err := s.q(ctx).Exec(b.String(), args...).Error; err != nil {
			return translate(err)
		}
		start = end
	}
	return nil
}

// maxIn is the longest IN list, within every engine's parameter limits.
const maxIn = 500

// inChunks calls fn with slices of at most maxIn items.
func inChunks[T any](items []T, fn func([]T) error) error {
	for start := 0; start < len(items); start += maxIn {
		if err := fn(items[start:min(start+maxIn, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// inLists calls fn with IN lists of at most maxIn values, padded by padIn.
func inLists(values []string, fn func([]string) error) error {
	return inChunks(values, func(chunk []string) error { return fn(padIn(chunk)) })
}

// padIn repeats the last value of an IN list until its length is a power
// of two or maxIn, which the list's meaning ignores. A statement is
// prepared and cached per text, and so per list length; padded, each
// statement has ten texts instead of up to 500, which kept hundreds of
// prepared statements (and SQLite's memory for them) on every connection.
func padIn(values []string) []string {
	n := 1
	for n < len(values) {
		n *= 2
	}
	n = min(n, max(maxIn, len(values)))
	if len(values) == 0 || n == len(values) {
		return values
	}
	out := make([]string, n)
	copy(out, values)
	for i := len(values); i < n; i++ {
		out[i] = values[len(values)-1]
	}
	return out
}
