package fleet

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stackyard/stackyard/internal/loop"
	"github.com/stackyard/stackyard/scaffolder/stacks"
)

// Publish publishes every template's newest version in the catalog as a
// Template entity (Options.Catalog; nothing without one).
func (s *Service) Publish(ctx context.Context) error {
	if s.opts.Catalog == nil {
		return nil
	}
	if err := s.opts.Catalog.PublishProvided(ctx, Provider, s.TemplateEntities()); err != nil {
		return fmt.Errorf("publish stack templates: %w", err)
	}
	return nil
}

// Refresh re-reads every template source. A source whose versions changed,
// such as a git repository the platform team tagged 2.0.0, gets its newest
// version compiled and republished. A source that fails to read or compile
// keeps what it had, and the error is logged and returned.
func (s *Service) Refresh(ctx context.Context) error {
	s.mu.RLock()
	current := make(map[string]entry, len(s.templates))
	for name, e := range s.templates {
		current[name] = *e
	}
	s.mu.RUnlock()

	changed := false
	var firstErr error
	for name, e := range current {
		loc := e.source.Location()
		src, err := stacks.OpenSource(ctx, loc)
		if err == nil && slices.Equal(src.Versions(), e.source.Versions()) {
			continue
		}
		var t *stacks.Template
		if err == nil {
			t, err = src.Load(ctx, src.Latest(), s.compileOptions(loc, src.Latest()))
		}
		if err == nil && t.Name != name {
			err = fmt.Errorf("template source %s now defines %s instead of %s", loc, t.Name, name)
		}
		if err != nil {
			s.log.Error("refresh stack template source failed", "source", loc, "err", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		s.mu.Lock()
		s.templates[name] = &entry{source: src, latest: t, loaded: map[string]*stacks.Template{t.Version: t}}
		s.mu.Unlock()
		s.log.Info("stack template versions changed", "template", name, "versions", src.Versions(), "latest", t.Version)
		changed = true
	}
	if changed {
		if err := s.Publish(ctx); err != nil {
			return err
		}
	}
	return firstErr
}

// Run refreshes the template sources every interval until ctx is done;
// a zero interval does nothing.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	loop.Every(ctx, interval, func(ctx context.Context) { _ = s.Refresh(ctx) })
}
