// Package catalog holds the catalog's use cases: reads served from the
// in-memory index, location management, refresh, validation and the
// processing-error view. The HTTP layer in catalog/httpapi calls only this.
package catalog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackyard/stackyard/catalog/model"
	"github.com/stackyard/stackyard/catalog/processing"
	"github.com/stackyard/stackyard/catalog/query"
	"github.com/stackyard/stackyard/catalog/store"
	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/schemas"
)

// Options configures a Service.
type Options struct {
	// ConfigLocations are the locations from config.yaml, with absolute
	// file targets.
	ConfigLocations      []model.Location
	AllowedLocationTypes []string
	ConflictStrategy     string // reject or refresh
	Readonly             bool
	// Admins are ownership refs that may see every processing error.
	Admins []string
	// Audit authorises and records every mutation (internal/audit); nil
	// still authorises the request's principal but records nothing.
	Audit *audit.Log
}

// Service is the catalog.
type Service struct {
	store     *store.Store
	index     *query.Index
	engine    *processing.Engine
	validator *schemas.Validator
	urls      *processing.URLReader
	opts      Options
	log       *slog.Logger

	ready     atomic.Bool
	readyOnce sync.Once
	stopped   chan struct{} // closed when the engine has stopped

	syncMu  sync.Mutex
	lastSeq int64
	lastDel int64
	local   map[int64]bool // seqs this replica already put in the index
}

// New wires a Service. The engine's OnStitched and OnIdle hooks must be
// set with Service.Stitched and Service.Idle (see cmd/stackyard).
func New(st *store.Store, ix *query.Index, v *schemas.Validator, urls *processing.URLReader, opts Options, log *slog.Logger) *Service {
	return &Service{store: st, index: ix, validator: v, urls: urls, opts: opts, log: log, local: map[int64]bool{}}
}

// SetEngine attaches the processing engine.
func (s *Service) SetEngine(e *processing.Engine) { s.engine = e }

// Start loads the index from the database, publishes the configured
// locations and runs the engine and the index sync until ctx is done.
func (s *Service) Start(ctx context.Context) error {
	started := time.Now()
	if err := s.syncIndex(ctx); err != nil {
		return err
	}
	s.log.Info("loaded catalog index", "entities", s.index.Len(), "took", time.Since(started).Round(time.Millisecond))
	if err := s.Publish(ctx); err != nil {
		return err
	}
	s.stopped = make(chan struct{})
	go func() {
		defer close(s.stopped)
		s.engine.Run(ctx)
	}()
	go s.syncLoop(ctx)
	return nil
}

// Wait blocks until the engine Start began has stopped (its ctx is done and
// what it had claimed is given back), or until timeout.
func (s *Service) Wait(timeout time.Duration) {
	if s.stopped == nil {
		return
	}
	select {
	case <-s.stopped:
	case <-time.After(timeout):
		s.log.Warn("catalog engine still running at exit", "waited", timeout)
	}
}

// Publish hands the configured and the registered locations to the
// engine as root Location entities.
func (s *Service) Publish(ctx context.Context) error {
	if err := s.publishConfigLocations(ctx); err != nil {
		return err
	}
	return s.publishRegisteredLocations(ctx)
}

// Len returns how many entities the catalog serves.
func (s *Service) Len() int { return s.index.Len() }

// Ready reports whether the first processing pass has finished.
func (s *Service) Ready() bool { return s.ready.Load() }

// Idle is the engine's OnIdle hook: the first idle moment marks readiness.
func (s *Service) Idle() {
	s.readyOnce.Do(func() {
		s.ready.Store(true)
		s.log.Info("catalog ready", "entities", s.index.Len())
	})
}

// Stitched is the engine's OnStitched hook: it puts fresh finals into the
// index at once, without waiting for the sync loop.
func (s *Service) Stitched(finals []processing.Stitched) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	docs := make([]query.Doc, len(finals))
	for i, f := range finals {
		docs[i] = query.Doc{UID: f.Final.EntityID, Ref: f.Final.Ref, JSON: f.Final.JSON, Rows: f.Rows}
		s.local[f.Seq] = true
	}
	s.index.UpsertBatch(docs)
}

// Deleted is the engine's OnDeleted hook: deleted orphans leave the index
// at once.
func (s *Service) Deleted(uids []string) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	for _, uid := range uids {
		s.index.Remove(uid)
	}
}
