// Package errs holds the sentinel errors shared by every Stackyard package.
// httpx.ErrorHandler is the one place that maps them to HTTP statuses and
// Backstage error names.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInput is returned when a request or a document is malformed (400 InputError).
	ErrInput = errors.New("invalid input")
	// ErrNotFound is returned when the addressed thing does not exist (404 NotFoundError).
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when a write collides with existing state (409 ConflictError).
	ErrConflict = errors.New("conflict")
	// ErrNotAllowed is returned when the principal lacks a permission (403 NotAllowedError).
	ErrNotAllowed = errors.New("not allowed")
	// ErrUnauthenticated is returned when no valid credentials were presented (401 AuthenticationError).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrNotImplemented is returned for operations Stackyard does not support (501 NotImplementedError).
	ErrNotImplemented = errors.New("not implemented")
	// ErrUnavailable is returned while a dependency is not ready (503 ServiceUnavailableError).
	ErrUnavailable = errors.New("service unavailable")
)

// Error is an error with a user-facing message and a sentinel kind. Its message
// is what the client sees, so it is written for people, Backstage style.
type Error struct {
	Kind    error
	Message string
	Cause   error
}

func (e *Error) Error() string { return e.Message }

// Is reports whether target is the sentinel kind of e.
func (e *Error) Is(target error) bool { return e.Kind == target }

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Cause }

// Input returns an ErrInput error whose message is shown to the client as is.
func Input(format string, args ...any) error {
	return &Error{Kind: ErrInput, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns an ErrNotFound error whose message is shown to the client as is.
func NotFound(format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns an ErrConflict error whose message is shown to the client as is.
func Conflict(format string, args ...any) error {
	return &Error{Kind: ErrConflict, Message: fmt.Sprintf(format, args...)}
}

// NotAllowed returns an ErrNotAllowed error whose message is shown to the client as is.
func NotAllowed(format string, args ...any) error {
	return &Error{Kind: ErrNotAllowed, Message: fmt.Sprintf(format, args...)}
}

// Unauthenticated returns an ErrUnauthenticated error whose message is shown
// to the client as is; it should say which credential check failed.
func Unauthenticated(format string, args ...any) error {
	return &Error{Kind: ErrUnauthenticated, Message: fmt.Sprintf(format, args...)}
}

// Unavailable returns an ErrUnavailable error whose message is shown to the client as is.
func Unavailable(format string, args ...any) error {
	return &Error{Kind: ErrUnavailable, Message: fmt.Sprintf(format, args...)}
}

// FieldError is one validation failure, located in the source document.
type FieldError struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// String renders the error as file:line:col: path: message, leaving out
// whatever is unknown.
func (f FieldError) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		b.WriteString(":")
	}
	if f.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", f.Line, f.Column)
	} else if f.File != "" {
		b.WriteString(" ")
	}
	if f.Path != "" {
		b.WriteString(f.Path)
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	return b.String()
}

// ValidationError collects every field error of one document. It reports
// Is(ErrInput).
type ValidationError struct {
	Fields []FieldError
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// Is makes a ValidationError match ErrInput.
func (v *ValidationError) Is(target error) bool { return target == ErrInput }
