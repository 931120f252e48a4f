package scaffoldertest

import (
	"context"
	"sync"

	"github.com/stackyard/stackyard/scaffolder/actions"
)

// Recorder is a test action, test:record, that accepts any input, records
// it and outputs it back as "echo".
type Recorder struct {
	mu     sync.Mutex
	inputs []map[string]any
}

var _ actions.Action = (*Recorder)(nil)

// Describe implements actions.Action.
func (r *Recorder) Describe() actions.Description {
	return actions.Description{ID: "test:record", Description: "Records its input.", SupportsDryRun: true,
		Input: map[string]any{"type": "object"}}
}

// Run implements actions.Action.
func (r *Recorder) Run(_ context.Context, ac *actions.Context) error {
	r.mu.Lock()
	r.inputs = append(r.inputs, ac.Input)
	r.mu.Unlock()
	ac.Output("echo", ac.Input)
	return nil
}

// Inputs returns the inputs recorded so far.
func (r *Recorder) Inputs() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.inputs...)
}
