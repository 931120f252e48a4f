package audit_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/stackyard/stackyard/internal/audit"
	"github.com/stackyard/stackyard/internal/auth"
	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/db/dbtest"
)

func setup(t *testing.T) (*gorm.DB, *audit.Log, *strings.Builder, context.Context) {
	t.Helper()
	g := dbtest.Open(t)
	var logs strings.Builder
	l := audit.New(g, slog.New(slog.NewJSONHandler(&logs, nil)))
	p := &auth.Principal{Type: auth.TypeUser, Subject: "user:default/dana", UserRef: "user:default/dana",
		Ownership: []string{"user:default/dana", "group:default/engineering"}, Via: "backstage-user"}
	ctx := audit.WithRequestID(auth.NewContext(context.Background(), p), "req-1")
	return g, l, &logs, ctx
}

func change(owner string) audit.Change {
	return audit.Change{Rule: auth.Rule{Permission: auth.LocationDelete, Target: "loc-1", Owners: [][]string{{owner}}}, Before: audit.Hash("before")}
}

// insertLocation is a store transaction as the catalog store runs one:
// the change, then the hook.
func insertLocation(g *gorm.DB, fail bool) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("INSERT INTO locations (id, type, target, entity_ref, created_at) VALUES ('loc-1', 'url', 'x', 'location:default/x', 0)").Error; err != nil {
				return err
			}
			if err := db.RunTxHook(ctx, tx); err != nil {
				return err
			}
			if fail {
				return errors.New("boom after the hook")
			}
			return nil
		})
	}
}

func count(t *testing.T, g *gorm.DB, sql string) int64 {
	t.Helper()
	var n int64
	if err := g.Raw(sql).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLog_Do_SameTransaction(t *testing.T) {
	g, l, logs, ctx := setup(t)
	if err := l.Do(ctx, change("group:default/engineering"), insertLocation(g, false)); err != nil {
		t.Fatal(err)
	}
	events, err := l.Events(context.Background(), nil, audit.Query{Target: "loc-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Outcome != audit.Allowed || events[0].RequestID != "req-1" ||
		events[0].Actor != "user:default/dana" || events[0].HashBefore == "" || len(events[0].ActorRefs) != 2 {
		t.Fatalf("events = %+v", events)
	}
	if !strings.Contains(logs.String(), `"msg":"audit"`) || !strings.Contains(logs.String(), `"outcome":"allowed"`) {
		t.Errorf("no structured slog line: %s", logs)
	}
}

// TestLog_Do_Rollback: when the change's transaction rolls back after
// the hook ran, the allowed record goes with it; a failed record says
// what happened.
func TestLog_Do_Rollback(t *testing.T) {
	g, l, _, ctx := setup(t)
	err := l.Do(ctx, change("group:default/engineering"), insertLocation(g, true))
	if err == nil {
		t.Fatal("want the change's error")
	}
	if n := count(t, g, "SELECT COUNT(*) FROM locations"); n != 0 {
		t.Errorf("locations = %d after rollback", n)
	}
	if n := count(t, g, "SELECT COUNT(*) FROM audit_events WHERE outcome = 'allowed'"); n != 0 {
		t.Errorf("an allowed record survived the rollback")
	}
	if n := count(t, g, "SELECT COUNT(*) FROM audit_events WHERE outcome = 'failed'"); n != 1 {
		t.Errorf("failed records = %d, want 1", n)
	}
}

func TestLog_Do_Denied(t *testing.T) {
	g, l, logs, ctx := setup(t)
	ran := false
	err := l.Do(ctx, change("group:default/sales"), func(context.Context) error { ran = true; return nil })
	if err == nil || !strings.Contains(err.Error(), "catalog.location.delete") || !strings.Contains(err.Error(), "group:default/sales") {
		t.Fatalf("err = %v, want a denial naming the permission and the missing ref", err)
	}
	if ran {
		t.Error("a denied change ran")
	}
	if n := count(t, g, "SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied'"); n != 1 {
		t.Errorf("denied records = %d", n)
	}
	if !strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("denial not logged at warn: %s", logs)
	}
}

// TestLog_Do_NoTransaction: a change made without a store transaction
// gets its record right after.
func TestLog_Do_NoTransaction(t *testing.T) {
	g, l, _, ctx := setup(t)
	if err := l.Do(ctx, change("group:default/engineering"), func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if n := count(t, g, "SELECT COUNT(*) FROM audit_events WHERE outcome = 'allowed'"); n != 1 {
		t.Errorf("allowed records = %d", n)
	}
}

// TestLog_Events_Visibility: owners read the events of their targets and
// their own; others read only their own; admins read everything.
func TestLog_Events_Visibility(t *testing.T) {
	_, l, _, ctx := setup(t)
	if err := l.Do(ctx, change("group:default/engineering"), func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	sam := &auth.Principal{Subject: "user:default/sam", Ownership: []string{"user:default/sam", "group:default/sales"}}
	_ = l.Do(auth.NewContext(context.Background(), sam), change("group:default/engineering"), func(context.Context) error { return nil })
	cases := []struct {
		name   string
		viewer *auth.Principal
		want   int
	}{
		{"owner", &auth.Principal{Subject: "user:default/paul", Ownership: []string{"group:default/engineering"}}, 2},
		{"own actions only", sam, 1},
		{"stranger", &auth.Principal{Subject: "user:default/x", Ownership: []string{"group:default/x"}}, 0},
		{"admin", &auth.Principal{Subject: "user:default/ada", Admin: true}, 2},
	}
	for _, c := range cases {
		events, err := l.Events(context.Background(), c.viewer, audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != c.want {
			t.Errorf("%s sees %d events, want %d", c.name, len(events), c.want)
		}
	}
}
