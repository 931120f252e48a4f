package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// TestScaffolder_CrashRecovery starts the binary, launches slow tasks,
// SIGKILLs the process mid-step, restarts it on the same database and
// checks that no task stays processing: the recoverable one resumes after
// its finished step and completes, the other fails as stale.
func TestScaffolder_CrashRecovery(t *testing.T) {
	dir := t.TempDir()
	dbURL := databaseURL(t, dir)
	location := writeScaffolderFixture(t, dir)
	first := startScaffolderServer(t, dir, dbURL, location)
	recoverID := first.launch("slow-recover", map[string]any{})
	failID := first.launch("slow-fail", map[string]any{})
	for _, id := range []string{recoverID, failID} {
		first.waitFor(20*time.Second, func() bool { return hasEvent(first.events(id), "log", "wait", "processing") }, "step wait started")
	}
	first.kill()

	second := startScaffolderServer(t, dir, dbURL, location)
	second.waitFor(60*time.Second, func() bool { return second.status(recoverID) == "completed" }, "the recoverable task completed")
	second.waitFor(60*time.Second, func() bool { return second.status(failID) == "failed" }, "the other task failed")

	events := second.events(recoverID)
	if events[0].Type != "recovered" || !hasEvent(events, "log", "first", "completed") || hasEvent(events, "log", "first", "processing") ||
		!hasEvent(events, "log", "last", "completed") || events[len(events)-1].Type != "completion" {
		t.Errorf("recovered task events: %+v", events)
	}
	if countMessages(events, "Skipping step first because it was already completed") != 1 {
		t.Errorf("finished step was not skipped on resume: %+v", events)
	}
	events = second.events(failID)
	last := events[len(events)-1]
	if !hasEvent(events, "log", "wait", "failed") || last.Type != "completion" || last.Body.Error == nil ||
		last.Body.Error.Message != "This task was marked as stale as it exceeded its timeout" {
		t.Errorf("stale task events: %+v", events)
	}
	if hasEvent(events, "log", "last", "processing") {
		t.Error("the stale task ran its last step")
	}
}

// TestScaffolder_Replicas runs two processes on one PostgreSQL: every task
// runs exactly once, and when one replica dies the other takes over its
// tasks. It needs STACKYARD_TEST_POSTGRES_URL; under CI=true its absence
// is a failure.
func TestScaffolder_Replicas(t *testing.T) {
	pg := os.Getenv("STACKYARD_TEST_POSTGRES_URL")
	require(t, pg != "", "STACKYARD_TEST_POSTGRES_URL is not set: the replica test needs PostgreSQL")
	t.Setenv("STACKYARD_TEST_DATABASE", "postgres")
	dir := t.TempDir()
	dbURL := dbtest.URL(t)
	location := writeScaffolderFixture(t, dir)
	a := startScaffolderServer(t, dir, dbURL, location)
	b := startScaffolderServer(t, dir, dbURL, location)

	var ids []string
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		ids = append(ids, s.launch("quick", map[string]any{"name": "r", "ms": 50}))
	}
	for _, id := range ids {
		a.waitFor(60*time.Second, func() bool { return a.status(id) == "completed" }, "task "+id+" completed")
		events := b.events(id)
		if n := countMessages(events, "Starting up task"); n != 1 {
			t.Errorf("task %s started %d times", id, n)
		}
		if n := countMessages(events, "Run completed"); n != 1 {
			t.Errorf("task %s completed %d times", id, n)
		}
		if n := countMessages(events, "Beginning step Log"); n != 1 {
			t.Errorf("task %s ran its log step %d times", id, n)
		}
	}

	slow := a.launch("slow-recover", map[string]any{})
	a.waitFor(20*time.Second, func() bool { return hasEvent(a.events(slow), "log", "wait", "processing") }, "slow task started on a")
	a.kill()
	b.waitFor(60*time.Second, func() bool { return b.status(slow) == "completed" }, "b took over and completed the task")
	if events := b.events(slow); events[0].Type != "recovered" {
		t.Errorf("taken-over task events: %+v", events)
	}
}
