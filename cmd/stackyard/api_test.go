package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/config"
	"github.com/stackyard/stackyard/internal/db/dbtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// startServer runs the real wiring on the peer's fixture and waits until
// the first processing pass is done.
func startServer(t *testing.T) *httptest.Server {
	t.Helper()
	fixture, _ := filepath.Abs("../../catalog/testdata/all.yaml")
	return startWired(t, `
catalog:
  processingInterval: 1h
  locations: [{type: file, target: `+fixture+`}]
  reading: {allow: [{host: "127.0.0.1"}]}
`)
}

// startWired builds the server exactly as serve does (build), from config
// text and a fresh test database, and serves it until the test ends.
func startWired(t testing.TB, cfgYAML string) *httptest.Server {
	t.Helper()
	t.Setenv("STACKYARD_DATABASE_URL", dbtest.URL(t))
	cfg, err := config.Parse([]byte(cfgYAML))
	if err != nil {
		t.Fatal(err)
	}
	// Two cached bodies: responses read entities from the database, as a
	// catalog larger than the cache does.
	cfg.Catalog.CachedEntities = 2
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := build(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !a.catalog.Ready(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("catalog not ready after 30s")
		}
	}
	srv := httptest.NewServer(a.echo)
	t.Cleanup(srv.Close)
	return srv
}

type scenario struct {
	name    string
	method  string
	path    string
	body    string
	status  int
	golden  bool     // compare the normalised body with testdata/golden/<name>.json
	contain []string // substrings the body must contain
}

var volatile = regexp.MustCompile(`"(uid|etag|id)": ?"[^"]*"|"(nextCursor|prevCursor)": ?"[^"]*"|after=[^>&"]*|generated-[0-9a-f]{40}|` + regexp.QuoteMeta(mustAbs("../..")))

func mustAbs(p string) string { a, _ := filepath.Abs(p); return a }

func normalise(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) == nil {
		body, _ = json.MarshalIndent(v, "", "  ")
	}
	return volatile.ReplaceAllFunc(body, func(m []byte) []byte {
		s := string(m)
		switch {
		case strings.HasPrefix(s, "after="):
			return []byte("after=<cursor>")
		case strings.HasPrefix(s, "generated-"):
			return []byte("generated-<sha1>")
		case strings.HasPrefix(s, `"`):
			k := s[1 : strings.Index(s[1:], `"`)+1]
			return []byte(`"` + k + `":"<` + k + `>"`)
		}
		return []byte("<REPO>")
	})
}

func (sc scenario) run(t *testing.T, base string) {
	t.Helper()
	req, err := http.NewRequest(sc.method, base+sc.path, strings.NewReader(sc.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != sc.status {
		t.Fatalf("%s %s = %d, want %d: %s", sc.method, sc.path, resp.StatusCode, sc.status, body)
	}
	for _, c := range sc.contain {
		if !bytes.Contains(body, []byte(c)) {
			t.Errorf("body lacks %q: %s", c, body)
		}
	}
	if sc.golden {
		checkGolden(t, sc.name, normalise(body))
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", strings.ReplaceAll(name, " ", "_")+".json")
	if *update {
		_ = os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./cmd/stackyard -update): %v", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("%s differs from golden %s:\n%s", name, path, got)
	}
}
