package db

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
)

// pool is the connection pool under gorm's statement cache. gorm caches a
// statement by its text (Config.PrepareStmt), but one first prepared in a
// transaction belongs to that transaction and is closed with it, and
// database/sql then prepared it again at each later use, in every
// transaction (go-gorm/gorm issue 4644). A transaction of this pool
// prepares on the pool instead: database/sql keeps such a statement
// prepared on each connection that ran it, and a transaction reuses it
// (Tx.StmtContext). Ingesting 100,000 entities spent 1.4 of its CPU
// seconds preparing the same statements again.
type pool struct{ *sql.DB }

// BeginTx starts a transaction whose statements are prepared on the pool.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &poolTx{Tx: tx, db: p.DB}, nil
}

// GetDBConn gives gorm's DB() the pool.
func (p *pool) GetDBConn() (*sql.DB, error) { return p.DB, nil }

// poolTx is a transaction of pool.
type poolTx struct {
	*sql.Tx
	db *sql.DB
}

// poolPrepareWait is how long a transaction waits for a free connection
// to prepare a statement on the pool.
const poolPrepareWait = 50 * time.Millisecond

// PrepareContext prepares query on the pool, not on the transaction:
// gorm keeps it, and the transaction runs it through StmtContext. That
// takes another connection; when none is free within poolPrepareWait
// (every other one may be held by a transaction waiting for this one's
// lock: SQLite's writers wait for each other holding their connections),
// the transaction prepares it for itself, as before, and gorm keeps that
// one until its cache drops it.
func (t *poolTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	wait, cancel := context.WithTimeout(ctx, poolPrepareWait)
	defer cancel()
	stmt, err := t.db.PrepareContext(wait, query)
	if err != nil && wait.Err() != nil && ctx.Err() == nil {
		return t.Tx.PrepareContext(ctx, query)
	}
	return stmt, err
}

// usePool puts pool under the statement cache of g, which Open made with
// PrepareStmt.
func usePool(g *gorm.DB, sqlDB *sql.DB) {
	if cache, ok := g.ConnPool.(*gorm.PreparedStmtDB); ok {
		cache.ConnPool = &pool{sqlDB}
	}
}
