package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db/dbtest"
)

// inCI reports whether missing prerequisites must fail instead of skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// require skips the test when a prerequisite is missing, or fails it in CI.
func require(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("CI=true and %s", msg)
	}
	t.Skip(msg)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// stackyardOptions describes one server under test.
type stackyardOptions struct {
	// Locations are absolute file targets loaded from config.
	Locations []string
	// FixturePort is the port of the test's YAML server, added to the
	// reading allow-list so url locations can be registered.
	FixturePort int
	// Extra is appended to the config as is (an auth section, say).
	Extra string
}

// startStackyard writes a config, starts the binary, waits for /readyz and
// returns the base URL. The server stops when the test ends.
func startStackyard(t *testing.T, opts stackyardOptions) string {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(stackyardConfig(port, dir, opts)), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "stackyard.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--config", cfgPath)
	cmd.Dir = dir
	// The environment overrides the file, so set it rather than inherit it.
	cmd.Env = append(os.Environ(),
		"STACKYARD_LISTEN="+fmt.Sprintf("127.0.0.1:%d", port),
		"STACKYARD_BASE_URL="+base,
		"STACKYARD_DATABASE_URL="+databaseURL(t, dir),
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stackyard: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stop(cmd, exited)
		logFile.Close()
		if t.Failed() {
			t.Logf("stackyard log (%s):\n%s", logPath, tail(logPath, 80))
		}
	})
	if err := waitReady(base+"/readyz", exited, 90*time.Second); err != nil {
		t.Fatalf("stackyard did not become ready: %v\n%s", err, tail(logPath, 40))
	}
	return base
}

func stackyardConfig(port int, dir string, opts stackyardOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server: {listen: \"127.0.0.1:%d\", baseUrl: \"http://127.0.0.1:%d\"}\n", port, port)
	fmt.Fprintf(&b, "database: {url: %q}\n", "sqlite:"+filepath.Join(dir, "stackyard.db"))
	b.WriteString("catalog:\n")
	b.WriteString("  processingInterval: {seconds: 2}\n")
	// A few cached bodies: the clients read entities through the database,
	// as from a catalog larger than the cache.
	b.WriteString("  cachedEntities: 4\n")
	b.WriteString("  rules:\n    - allow: [Component, System, API, Resource, Location, User, Group, Domain, Template]\n")
	if opts.FixturePort != 0 {
		fmt.Fprintf(&b, "  reading:\n    allow: [{host: \"127.0.0.1:%d\"}]\n", opts.FixturePort)
	}
	b.WriteString("  locations:\n")
	for _, l := range opts.Locations {
		fmt.Fprintf(&b, "    - {type: file, target: %q}\n", l)
	}
	b.WriteString(opts.Extra)
	return b.String()
}

// databaseURL gives each server a fresh database: SQLite in dir, or a
// private schema in PostgreSQL when STACKYARD_DATABASE_URL (or
// STACKYARD_TEST_DATABASE=postgres with STACKYARD_TEST_POSTGRES_URL) names one.
func databaseURL(t *testing.T, dir string) string {
	t.Helper()
	if u := os.Getenv("STACKYARD_DATABASE_URL"); strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		t.Setenv("STACKYARD_TEST_DATABASE", "postgres")
		t.Setenv("STACKYARD_TEST_POSTGRES_URL", u)
	}
	if dbtest.Engine() == "postgres" {
		return dbtest.URL(t)
	}
	return "sqlite:" + filepath.Join(dir, "stackyard.db")
}

func waitReady(url string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("process exited: %v", err)
		default:
		}
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not 200 after %s", url, timeout)
}

// stop sends SIGTERM, then SIGKILL if the process has not exited in 10 s.
func stop(cmd *exec.Cmd, exited <-chan error) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// runNode runs `node --test` in the conformance directory, streams its
// output into the test log line by line, and fails the test if node fails.
func runNode(t *testing.T, env []string, file string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "--test-reporter=spec", file)
	cmd.Dir = filepath.Join(repoRoot(), "e2e", "conformance")
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0"), env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			t.Log(sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		t.Fatalf("node --test %s failed: exit code %d", file, exit.ExitCode())
	case err != nil:
		t.Fatalf("node --test %s: %v", file, err)
	}
}

// requireNode checks for node >= 20 and the conformance suite's npm
// dependencies, installing them with `npm ci` when they are missing.
func requireNode(t *testing.T) {
	t.Helper()
	requireNPM(t, "conformance", filepath.Join("@backstage", "catalog-client"))
}

// requireNPM checks for node >= 20 and the npm dependencies of e2e/<dir>,
// running `npm ci` there when node_modules/<probe> is missing.
func requireNPM(t *testing.T, dir, probe string) {
	t.Helper()
	out, err := exec.Command("node", "--version").Output()
	require(t, err == nil, "node is not installed")
	var major int
	_, _ = fmt.Sscanf(strings.TrimSpace(string(out)), "v%d", &major)
	require(t, major >= 20, "node %s is older than 20", strings.TrimSpace(string(out)))
	path := filepath.Join(repoRoot(), "e2e", dir)
	if _, err := os.Stat(filepath.Join(path, "node_modules", probe)); err == nil {
		return
	}
	npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	npm.Dir = path
	out, err = npm.CombinedOutput()
	require(t, err == nil, "npm ci in e2e/%s failed: %v\n%s", dir, err, out)
}
