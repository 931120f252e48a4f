package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stackyard/stackyard/scaffolder"
)

// keepAlive is how often an idle stream gets an SSE comment, so that
// proxies with idle timeouts do not cut it (Backstage sends none).
const keepAlive = 15 * time.Second

// eventStream serves GET /v2/tasks/:id/eventstream. A missing task is a
// JSON error before any header is written; after that, events stream as
// `event: <type>\ndata: <json>\n\n` and the response ends right after the
// completion event.
func (h *handler) eventStream(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("taskId")
	after, err := afterParam(c.QueryParams(), false)
	if err != nil {
		return err
	}
	// Subscribe before the first read, so that no event appended between
	// the two is missed.
	wake, stop := h.svc.Subscribe(id)
	defer stop()
	events, done, err := h.svc.Events(ctx, id, after)
	if err != nil {
		return err
	}
	w := startStream(c)
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	ping := time.NewTicker(keepAlive)
	defer ping.Stop()
	for {
		for _, e := range events {
			if err := writeEvent(w, e); err != nil {
				return nil
			}
			after = max(after, e.ID)
		}
		w.Flush()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return nil
			}
			w.Flush()
			events = nil
			continue
		case <-wake:
		case <-poll.C:
		}
		if events, done, err = h.svc.Events(ctx, id, after); err != nil {
			return nil
		}
	}
}

// startStream writes the SSE headers; X-Accel-Buffering stops proxies
// from buffering the stream.
func startStream(c echo.Context) *echo.Response {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return w
}

func writeEvent(w *echo.Response, e scaffolder.SerializedEvent) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, data)
	return err
}
