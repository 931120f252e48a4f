package db_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// A statement first run in a transaction stays prepared once the
// transaction ends: the next transactions reuse it instead of preparing
// it again at every use.
func TestOpen_StatementsOutliveTheirTransaction(t *testing.T) {
	g := dbtest.Open(t)
	const q = "UPDATE catalog_seq SET seq = seq + ? WHERE id = 1"
	for range 2 {
		if err := g.Transaction(func(tx *gorm.DB) error { return tx.Exec(q, 1).Error }); err != nil {
			t.Fatal(err)
		}
	}
	cache, ok := g.ConnPool.(*gorm.PreparedStmtDB)
	if !ok {
		t.Fatalf("gorm's pool is %T, want its statement cache", g.ConnPool)
	}
	// PostgreSQL's text has $1 for ?.
	i := slices.IndexFunc(cache.Stmts.Keys(), func(k string) bool { return strings.HasPrefix(k, "UPDATE catalog_seq") })
	if i < 0 {
		t.Fatal("the statement is not cached")
	}
	stmt, _ := cache.Stmts.Get(cache.Stmts.Keys()[i])
	// A statement of the transaction would be closed now.
	if _, err := stmt.Stmt.Exec(1); err != nil {
		t.Fatalf("cached statement after its transaction: %v", err)
	}
	var seq int64
	if err := g.Raw("SELECT seq FROM catalog_seq WHERE id = 1").Scan(&seq).Error; err != nil || seq != 3 {
		t.Fatalf("seq = %d, %v; want 3", seq, err)
	}
}

// A transaction whose statement is new prepares it itself when every other
// connection is taken, rather than wait for one: the others may belong to
// transactions waiting for its lock.
func TestOpen_TransactionPreparesWithEveryConnectionTaken(t *testing.T) {
	g := dbtest.Open(t)
	sqlDB, err := g.DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range sqlDB.Stats().MaxOpenConnections - 1 {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	start := time.Now()
	err = g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Exec("UPDATE catalog_seq SET seq = seq + ? WHERE id = ? AND seq >= 0", 1, 1).Error
	})
	if err != nil {
		t.Fatalf("transaction with every other connection taken: %v (after %s)", err, time.Since(start))
	}
}
