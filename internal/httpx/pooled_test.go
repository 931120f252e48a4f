package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// A reused buffer starts empty: a short body after a long one carries
// nothing of it.
func TestJSONBuilt_ReusedBufferStartsEmpty(t *testing.T) {
	e := echo.New()
	for _, body := range []string{`{"items":[` + strings.Repeat(`{"a":1},`, 1000) + `{}]}`, `[]`, `{"b":2}`} {
		rec := httptest.NewRecorder()
		c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
		if err := JSONBuilt(c, http.StatusOK, func(buf []byte) []byte { return append(buf, body...) }); err != nil {
			t.Fatal(err)
		}
		if rec.Body.String() != body || rec.Header().Get("Content-Type") != MIMEJSON {
			t.Fatalf("wrote %q (%s), want %q", rec.Body.String(), rec.Header().Get("Content-Type"), body)
		}
	}
}
