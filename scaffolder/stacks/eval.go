package stacks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stackyard/stackyard/internal/errs"
)

// ErrTimeout is returned when a CUE evaluation runs past Options.Timeout.
// It matches errs.ErrInput: the template, or the values given to it, asked
// for more work than Stackyard allows.
var ErrTimeout = errors.New("cue evaluation took too long")

// evaluator runs CUE evaluations of one template one at a time, each within
// a deadline.
//
// CUE has no way to stop an evaluation, so each one runs in its own
// goroutine and the caller stops waiting at the deadline. The abandoned
// goroutine keeps the evaluator's single slot until CUE returns, so a
// runaway template never runs twice at once: its CPU and memory are bounded
// by one evaluation, and later callers wait for the slot only as long as
// their ctx allows.
type evaluator struct {
	slot    chan struct{}
	timeout time.Duration
}

func newEvaluator(timeout time.Duration) *evaluator {
	return &evaluator{slot: make(chan struct{}, 1), timeout: timeout}
}

// evaluate runs fn with the slot held and returns its result, or gives up
// at the deadline or when ctx ends. A panic in CUE comes back as an error.
func evaluate[T any](ctx context.Context, e *evaluator, what string, fn func() (T, error)) (T, error) {
	var zero T
	select {
	case e.slot <- struct{}{}:
	case <-ctx.Done():
		return zero, fmt.Errorf("%s: wait for the evaluator: %w", what, ctx.Err())
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-e.slot }()
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("%s: cue evaluation panicked: %v", what, p)}
			}
		}()
		v, err := fn()
		done <- result{v, err}
	}()
	timer := time.NewTimer(e.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		return zero, fmt.Errorf("%s: %w (limit %s)", what, timeoutError{}, e.timeout)
	case <-ctx.Done():
		return zero, fmt.Errorf("%s: %w", what, ctx.Err())
	}
}

// timeoutError is ErrTimeout that also matches errs.ErrInput.
type timeoutError struct{}

func (timeoutError) Error() string { return ErrTimeout.Error() }

func (timeoutError) Is(target error) bool { return target == ErrTimeout || target == errs.ErrInput }
