// Package tasks runs scaffolder tasks durably.
//
// # Storage
//
// Tasks and their events live in the scaffolder_tasks and
// scaffolder_task_events tables (migration 2). Event ids come from one
// autoincrement, so they increase strictly within a task; only one writer
// appends events to a task at a time (the worker that holds it, or the API
// while the task is not held), which keeps that order on PostgreSQL too.
//
// # Workers
//
// A Worker claims open tasks in FIFO order (queued_at), with
// FOR UPDATE SKIP LOCKED on PostgreSQL and a single conditional UPDATE on
// SQLite, and runs up to Concurrency of them at once. It heartbeats every
// task it holds with one UPDATE per interval, watches for cancel requests
// made on other replicas, and runs a janitor that takes over tasks whose
// heartbeat went stale: a recoverable task (EXPERIMENTAL_recovery startOver)
// is reopened and resumes from its first unfinished step; any other task,
// or one whose secrets died with the process that held them, is failed
// with a completion event.
//
// # Secrets
//
// Secrets are never written to the database. They live in a Vault in the
// memory of the process that accepted the task, and that process is the
// only one that may claim the task while it is open.
package tasks
