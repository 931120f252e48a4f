package processing

import (
	"testing"
	"time"
)

// While full batches flow in, the other ends of relations wait
// restitchDelay, except for one batch every restitchMaxWait; a batch that
// is not full ends the flow.
func TestEngine_RestitchAfter(t *testing.T) {
	e := &Engine{}
	t0 := time.Now()
	steps := []struct {
		at   time.Duration
		full bool
		want time.Duration
	}{
		{0, true, restitchDelay},
		{10 * time.Second, true, restitchDelay},
		{restitchMaxWait, true, 0}, // waited long enough: stitch now
		{restitchMaxWait + time.Second, true, restitchDelay},
		{restitchMaxWait + 2*time.Second, false, 0}, // the flow ends
		{2 * restitchMaxWait, true, restitchDelay},  // a new flow starts
	}
	for i, s := range steps {
		if got := e.restitchAfter(t0.Add(s.at), s.full); got != s.want {
			t.Errorf("step %d (%v, full=%v): got %v, want %v", i, s.at, s.full, got, s.want)
		}
	}
}
