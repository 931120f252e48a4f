package httpx

import (
	"sync"

	"github.com/labstack/echo/v4"
)

// maxPooled is the largest buffer kept for reuse; bigger bodies (unpaged
// lists are streamed, so these are rare) go back to the GC.
const maxPooled = 1 << 20

var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

// JSONBuilt writes the JSON that build appends to an empty buffer. The
// buffer comes from a pool and goes back after the write: a page of 100
// entities is about 100 KB, which at thousands of requests a second was
// most of what the server allocated, and what set the GC's pace.
func JSONBuilt(c echo.Context, status int, build func(buf []byte) []byte) error {
	bp := bodyPool.Get().(*[]byte)
	buf := build((*bp)[:0])
	err := JSONBytes(c, status, buf)
	if cap(buf) <= maxPooled {
		*bp = buf
		bodyPool.Put(bp)
	}
	return err
}
