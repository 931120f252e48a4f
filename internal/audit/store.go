package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/auth"
)

type eventRow struct {
	ID         int64
	At         int64
	RequestID  string
	Actor      string
	ActorRefs  string
	Via        string
	Action     string
	Target     string
	Owners     string
	Outcome    string
	Reason     string
	HashBefore string
	HashAfter  string
}

func (r eventRow) event() Event {
	ev := Event{ID: r.ID, At: time.UnixMilli(r.At).UTC(), RequestID: r.RequestID, Actor: r.Actor, Via: r.Via,
		Action: r.Action, Target: r.Target, Outcome: r.Outcome, Reason: r.Reason, HashBefore: r.HashBefore, HashAfter: r.HashAfter}
	_ = json.Unmarshal([]byte(r.ActorRefs), &ev.ActorRefs)
	_ = json.Unmarshal([]byte(r.Owners), &ev.Owners)
	if ev.ActorRefs == nil {
		ev.ActorRefs = []string{}
	}
	if ev.Owners == nil {
		ev.Owners = []string{}
	}
	return ev
}

// insert appends ev (and its owner index rows) through tx and sets ev.ID.
func (l *Log) insert(ctx context.Context, tx *gorm.DB, ev *Event) error {
	refs, _ := json.Marshal(ev.ActorRefs)
	owners, _ := json.Marshal(ev.Owners)
	var ids []int64
	err := tx.WithContext(ctx).Raw(`INSERT INTO audit_events
  (at, request_id, actor, actor_refs, via, action, target, owners, outcome, reason, hash_before, hash_after)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.At.UnixMilli(), ev.RequestID, ev.Actor, string(refs), ev.Via, ev.Action, ev.Target, string(owners),
		ev.Outcome, ev.Reason, ev.HashBefore, ev.HashAfter).Scan(&ids).Error
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	if len(ids) != 1 {
		return fmt.Errorf("append audit event: no id returned")
	}
	ev.ID = ids[0]
	for _, o := range ev.Owners {
		if err := tx.WithContext(ctx).Exec("INSERT INTO audit_event_owners (event_id, owner_ref) VALUES (?, ?)", ev.ID, o).Error; err != nil {
			return fmt.Errorf("append audit event owner: %w", err)
		}
	}
	return nil
}

// Query filters GET /api/stacks/v1/audit.
type Query struct {
	Target string
	Actor  string
	Since  time.Time
	Limit  int
}

// Events returns the newest events matching q that viewer may read: all of
// them for an admin (or an internal call), else those whose target the
// viewer owns and those the viewer did.
func (l *Log) Events(ctx context.Context, viewer *auth.Principal, q Query) ([]Event, error) {
	var where []string
	var args []any
	if viewer != nil && !viewer.Admin {
		cond := "actor = ?"
		args = append(args, viewer.Subject)
		if len(viewer.Ownership) > 0 {
			cond += " OR EXISTS (SELECT 1 FROM audit_event_owners o WHERE o.event_id = audit_events.id AND o.owner_ref IN ?)"
			args = append(args, viewer.Ownership)
		}
		where = append(where, "("+cond+")")
	}
	if q.Target != "" {
		where = append(where, "target = ?")
		args = append(args, q.Target)
	}
	if q.Actor != "" {
		where = append(where, "actor = ?")
		args = append(args, q.Actor)
	}
	if !q.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, q.Since.UnixMilli())
	}
	sql := "SELECT id, at, request_id, actor, actor_refs, via, action, target, owners, outcome, reason, hash_before, hash_after FROM audit_events"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	sql += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	var rows []eventRow
	if err := l.db.WithContext(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("read audit events: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}
