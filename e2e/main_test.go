// Package e2e runs the built stackyard binary as a user would and drives it
// over HTTP: with the real @backstage/catalog-client (Node 20, in
// conformance/), and side by side with the real Backstage backend
// (../shared/peer-backstage) for a byte-level diff of the catalog API.
//
// # Running
//
//	go test ./e2e -v                         # SQLite in a temp dir
//	STACKYARD_TEST_DATABASE=postgres \
//	STACKYARD_TEST_POSTGRES_URL=postgres://… go test ./e2e -v
//	STACKYARD_DATABASE_URL=postgres://… go test ./e2e -v   # same, private schema per server
//	STACKYARD_PEER_DIR=/path/to/installed/peer go test ./e2e -run PeerDiff -v
//
// `go test -short ./...` skips the package. With CI=true a missing node,
// npm dependency or peer is a failure, not a skip.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the stackyard executable built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(0)
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "stackyard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "stackyard")
	build := exec.Command("go", "build", "-o", binary, "./cmd/stackyard")
	build.Dir = repoRoot()
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build ./cmd/stackyard:", err)
		return 1
	}
	return m.Run()
}

// repoRoot is the module root; go test runs each package in its own directory.
func repoRoot() string {
	abs, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return abs
}
