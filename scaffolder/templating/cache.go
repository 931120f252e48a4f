package templating

import (
	"sync"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// parseCache keeps parsed, rewritten templates: a task re-renders the same
// skeleton files and inputs, and a parsed template is read-only while it
// executes (per-render state lives in the render's context). It is
// bounded; when full it starts over.
type parseCache struct {
	mu    sync.Mutex
	m     map[cacheKey]*exec.Template
	bytes int
}

type cacheKey struct {
	src     string
	capture bool
}

const (
	cacheMaxEntries = 4096
	cacheMaxBytes   = 16 << 20
)

func (c *parseCache) get(src string, capture bool) *exec.Template {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[cacheKey{src, capture}]
}

func (c *parseCache) put(src string, capture bool, t *exec.Template) {
	if len(src) > cacheMaxBytes/64 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cacheMaxEntries || c.bytes+len(src) > cacheMaxBytes {
		c.m, c.bytes = map[cacheKey]*exec.Template{}, 0
	}
	c.m[cacheKey{src, capture}] = t
	c.bytes += len(src)
}
