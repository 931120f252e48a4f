package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/db"
	"github.com/stackyard/stackyard/internal/procstat"
	stackstore "github.com/stackyard/stackyard/scaffolder/stacks/store"
)

// BenchmarkFleetAPI plans 1,000 web-service stacks from 1.0.0 to 2.0.0
// through GET /api/stacks/v1/templates/web-service/fleet: each stack's
// record from the database, its real git repository (with an owner edit)
// read, both versions rendered and merged, guardrails blamed. One in ten
// stacks set minAvailable = replicas (blocked by their owner). Run it with
//
//	go test ./cmd/stackyard -run '^$' -bench FleetAPI -benchtime 3x
//
// It reports the time per fleet view and the process's peak RSS (VmHWM:
// the server, the test's own repositories and the HTTP client together).
func BenchmarkFleetAPI(b *testing.B) {
	const n = 1000
	srv := startWired(b, stacksCatalog+stacksConfig())
	g, err := db.Open(context.Background(), os.Getenv("STACKYARD_DATABASE_URL"), db.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	st := stackstore.New(g)
	tpl := webService(b, "1.0.0")
	for i := range n {
		name := fmt.Sprintf("svc-%04d", i)
		owner := fmt.Sprintf("group:default/team-%d", i%40)
		values := map[string]any{"name": name, "owner": owner, "replicas": 2 + i%5}
		if i%10 == 0 {
			values["minAvailable"] = values["replicas"]
		}
		err := st.Create(context.Background(), &stackstore.Stack{Name: name, Template: "template:default/web-service", Version: "1.0.0",
			Digest: tpl.Digest, Values: values, Repository: stackRepoOf(b, tpl, values), Owner: owner, Lifecycle: "experimental"})
		if err != nil {
			b.Fatal(err)
		}
	}
	url := srv.URL + "/api/stacks/v1/templates/web-service/fleet?toVersion=2.0.0"
	b.ResetTimer()
	start := time.Now()
	var f map[string]any
	for b.Loop() {
		f = getJSON(b, "GET", url, "", 200)
	}
	elapsed := time.Since(start) / time.Duration(b.N)
	groups := f["groups"].(map[string]any)
	count := func(g string) int { return int(groups[g].(map[string]any)["count"].(float64)) }
	if f["total"] != float64(n) || count("ready") != 900 || count("blocked-by-owner") != 100 {
		b.Fatalf("fleet: total %v, ready %d, blocked-by-owner %d, failed %v", f["total"], count("ready"), count("blocked-by-owner"), groups["failed"])
	}
	b.ReportMetric(elapsed.Seconds(), "s/fleet")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "stacks/s")
	b.ReportMetric(procstat.PeakRSSMiB(0), "peak-RSS-MiB")
}
