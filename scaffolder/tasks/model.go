package tasks

import (
	"encoding/json"
	"time"
)

// Status is a task status, and a step status inside event bodies.
type Status string

// The statuses Backstage defines. Stackyard writes cancelled for cancelled
// tasks, where Backstage writes failed.
const (
	StatusOpen       Status = "open"
	StatusProcessing Status = "processing"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
	StatusSkipped    Status = "skipped"
)

// Terminal reports whether s ends a task.
func (s Status) Terminal() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusCancelled, StatusSkipped:
		return true
	}
	return false
}

// EventType is the type of a task event.
type EventType string

// The event types the Backstage UI understands; any other type makes its
// reducer throw.
const (
	EventLog        EventType = "log"
	EventCompletion EventType = "completion"
	EventCancelled  EventType = "cancelled"
	EventRecovered  EventType = "recovered"
)

// Spec is TaskSpecV1beta3, stored and returned as is.
type Spec struct {
	APIVersion   string         `json:"apiVersion"`
	Steps        []Step         `json:"steps"`
	Recovery     *Recovery      `json:"EXPERIMENTAL_recovery,omitempty"`
	Output       map[string]any `json:"output"`
	Parameters   map[string]any `json:"parameters"`
	User         User           `json:"user"`
	TemplateInfo TemplateInfo   `json:"templateInfo"`
}

// Recoverable reports whether the template asked for startOver recovery.
func (s *Spec) Recoverable() bool {
	return s.Recovery != nil && s.Recovery.Strategy == "startOver"
}

// Recovery is spec.EXPERIMENTAL_recovery.
type Recovery struct {
	Strategy string `json:"EXPERIMENTAL_strategy,omitempty"`
}

// Step is one template step, unrendered.
type Step struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Action      string         `json:"action"`
	Input       map[string]any `json:"input,omitempty"`
	If          any            `json:"if,omitempty"`
	Each        any            `json:"each,omitempty"`
	Permissions any            `json:"backstage:permissions,omitempty"`
}

// User is the user a task runs for.
type User struct {
	Entity map[string]any `json:"entity,omitempty"`
	Ref    string         `json:"ref,omitempty"`
}

// TemplateInfo names the template a task came from.
type TemplateInfo struct {
	EntityRef string         `json:"entityRef"`
	BaseURL   string         `json:"baseUrl,omitempty"`
	Entity    map[string]any `json:"entity,omitempty"`
}

// Task is one stored task row.
type Task struct {
	ID              string
	Spec            json.RawMessage
	Status          Status
	CreatedAt       time.Time
	LastHeartbeatAt *time.Time
	CreatedBy       string
	Owner           string
	NeedsSecrets    bool
	State           State
}

// State is what a task keeps between attempts: the steps that finished and
// their outputs, so that a recovered task resumes after them.
type State struct {
	Steps map[string]StepState `json:"steps,omitempty"`
}

// StepState is the saved result of one finished step.
type StepState struct {
	Status Status         `json:"status"`
	Output map[string]any `json:"output,omitempty"`
}

// Event is one stored task event.
type Event struct {
	ID        int64
	TaskID    string
	Type      EventType
	Body      json.RawMessage
	CreatedAt time.Time
}

// Body is the body of an event. Only the fields that apply are set.
type Body struct {
	Message         string     `json:"message,omitempty"`
	StepID          string     `json:"stepId,omitempty"`
	Status          Status     `json:"status,omitempty"`
	Output          any        `json:"output,omitempty"`
	Error           *ErrorBody `json:"error,omitempty"`
	RecoverStrategy string     `json:"recoverStrategy,omitempty"`
}

// ErrorBody is a serialised error in a completion event.
type ErrorBody struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Millis converts t to Unix milliseconds, the database's time unit.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts Unix milliseconds to a UTC time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// ISO formats t as Backstage does: ISO-8601 UTC with milliseconds.
func ISO(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
