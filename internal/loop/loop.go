// Package loop runs work on a ticker.
package loop

import (
	"context"
	"time"
)

// Every calls fn every interval until ctx is done; the first call comes
// after one interval.
func Every(ctx context.Context, interval time.Duration, fn func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}
