// Package audit is Stackyard's audit log: who changed what, when, under
// which request, with what outcome, and the hashes of the target before
// and after. Every mutation and every denial is appended; the same events
// go to slog as structured lines.
//
// # Same transaction
//
// Log.Do authorises a change and runs it with the audit record attached
// to the context (db.WithTxHook). The stores' transaction helpers run the
// hook as the last statement of their transaction, so the record commits
// or rolls back with the change. A change made without a transaction gets
// its record right after, in the same request (the gap: a crash between
// the two loses the record, never the other way round).
//
// # Secrets
//
// Records hold refs, ids, hashes and error messages; never request
// bodies, values, secrets or tokens.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/errs"
)

// Outcomes of an event.
const (
	Allowed = "allowed" // the change was made
	Denied  = "denied"  // the principal lacked the permission; nothing changed
	Failed  = "failed"  // the change was allowed but failed; nothing changed
)

// Event is one audit record.
type Event struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	RequestID  string    `json:"requestId,omitempty"`
	Actor      string    `json:"actor"`
	ActorRefs  []string  `json:"actorRefs"`
	Via        string    `json:"via,omitempty"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Owners     []string  `json:"owners"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason,omitempty"`
	HashBefore string    `json:"hashBefore,omitempty"`
	HashAfter  string    `json:"hashAfter,omitempty"`
}

// Log appends and reads audit events.
type Log struct {
	db  *gorm.DB
	log *slog.Logger
	now func() time.Time
}

// New returns a Log on g, which must carry migration 3.
func New(g *gorm.DB, log *slog.Logger) *Log {
	return &Log{db: g, log: log, now: time.Now}
}

// Change is one mutation to authorise and record.
type Change struct {
	auth.Rule
	// Before and After are the hashes of the target before and after the
	// change (Hash); empty for what does not exist.
	Before, After string
}

// Do authorises c for the principal of ctx and runs fn. A denial is
// appended and returned (403) and fn does not run. Otherwise the allowed
// record goes into fn's transaction; if fn fails, a failed record is
// appended instead. A nil Log still authorises, and records nothing.
func (l *Log) Do(ctx context.Context, c Change, fn func(ctx context.Context) error) error {
	p, _ := auth.FromContext(ctx)
	if err := auth.Decide(p, c.Rule); err != nil {
		l.Record(ctx, c, Denied, err.Error())
		return err
	}
	if l == nil {
		return fn(ctx)
	}
	ev := l.event(ctx, c, Allowed, "")
	run := db.WithTxHook(ctx, func(tx *gorm.DB) error { return l.insert(ctx, tx, &ev) })
	err := fn(run)
	switch {
	case err != nil:
		l.Record(ctx, c, Failed, err.Error())
		return err
	case !db.TxHookRan(run):
		if err := l.insert(ctx, l.db, &ev); err != nil {
			l.log.Error("append audit event failed", "action", c.Permission, "target", c.Target, "err", err)
		}
	}
	l.emit(ctx, ev)
	return nil
}

// Deny records a denial decided elsewhere (a read that answers 404).
func (l *Log) Deny(ctx context.Context, c Change, reason string) {
	l.Record(ctx, c, Denied, reason)
}

// Record appends an event outside any change's transaction.
func (l *Log) Record(ctx context.Context, c Change, outcome, reason string) {
	if l == nil {
		return
	}
	ev := l.event(ctx, c, outcome, reason)
	if err := l.insert(ctx, l.db, &ev); err != nil {
		l.log.Error("append audit event failed", "action", c.Permission, "target", c.Target, "err", err)
	}
	l.emit(ctx, ev)
}

func (l *Log) event(ctx context.Context, c Change, outcome, reason string) Event {
	ev := Event{At: l.now().UTC(), RequestID: RequestID(ctx), Actor: "system", ActorRefs: []string{},
		Action: c.Permission, Target: c.Target, Owners: c.AllOwners(), Outcome: outcome,
		Reason: truncate(reason, 500), HashBefore: c.Before, HashAfter: c.After}
	if outcome != Allowed {
		ev.HashAfter = c.Before // nothing changed
	}
	if p, ok := auth.FromContext(ctx); ok {
		ev.Actor, ev.ActorRefs, ev.Via = p.Subject, p.Ownership, p.Via
		if p.Admin {
			ev.Via += "+admin"
		}
	}
	if ev.Owners == nil {
		ev.Owners = []string{}
	}
	return ev
}

// emit writes the event to slog as one structured line.
func (l *Log) emit(ctx context.Context, ev Event) {
	level := slog.LevelInfo
	if ev.Outcome == Denied {
		level = slog.LevelWarn
	}
	l.log.LogAttrs(ctx, level, "audit",
		slog.String("action", ev.Action), slog.String("target", ev.Target), slog.String("outcome", ev.Outcome),
		slog.String("actor", ev.Actor), slog.Any("actor_refs", ev.ActorRefs), slog.String("via", ev.Via),
		slog.Any("owners", ev.Owners), slog.String("request_id", ev.RequestID), slog.String("reason", ev.Reason),
		slog.String("hash_before", ev.HashBefore), slog.String("hash_after", ev.HashAfter))
}

// Hash returns the hex SHA-256 of v's JSON, or "" for nil.
func Hash(v any) string {
	if v == nil {
		return ""
	}
	var data []byte
	switch b := v.(type) {
	case []byte:
		data = b
	case json.RawMessage:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			return ""
		}
	}
	if len(data) == 0 {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// IsDenied reports whether err is a denial, for callers that map a
// denied read to absence.
func IsDenied(err error) bool { return errors.Is(err, errs.ErrNotAllowed) }

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id recorded in events.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
