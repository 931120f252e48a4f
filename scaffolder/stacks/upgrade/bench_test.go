package upgrade

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stackyard/stackyard/internal/procstat"
)

// fleetSize is the number of stacks BenchmarkNewPlan_Fleet plans per op.
const fleetSize = 1000

// fleet builds n stacks of web-service 1.0.0 with varied values
// and edits. By i%10: 0 sets minAvailable equal to replicas (blocked by the
// owner), 1 runs one replica on the default minAvailable that 2.0.0 raises
// (blocked by the platform), 2 scaled the default replicas by hand on the
// line 2.0.0 changes (a conflict); the rest are varied and ready. Every
// third owner also labelled the Deployment, an edit that merges cleanly.
func fleet(b testing.TB, n int) []Input {
	tpls := loadTemplates(b)
	lifecycles := []string{"experimental", "production", "deprecated"}
	out := make([]Input, n)
	for i := range out {
		values := map[string]any{
			"name":      fmt.Sprintf("svc-%04d", i),
			"owner":     fmt.Sprintf("group:default/team-%d", i%40),
			"lifecycle": lifecycles[i%3],
		}
		var edits []fileEdit
		switch r := 2 + i%5; i % 10 {
		case 0:
			values["replicas"], values["minAvailable"] = r, r
		case 1:
			values["replicas"], values["lifecycle"] = 1, "experimental"
		case 2:
			edits = append(edits, fileEdit{File: "deploy/deployment.yaml", Replace: "  replicas: 1\n", With: "  replicas: 3\n"})
		default:
			values["replicas"], values["minAvailable"] = r, i%r
			if i%4 == 0 {
				values["port"] = 8000 + i%1000
			}
		}
		if i%3 == 0 {
			edits = append(edits, fileEdit{File: "deploy/deployment.yaml",
				Replace: "    app.kubernetes.io/managed-by: stackyard\nspec:\n",
				With:    "    app.kubernetes.io/managed-by: stackyard\n    team: t" + strconv.Itoa(i%40) + "\nspec:\n"})
		}
		out[i] = Input{Stack: Stack{Values: values}, Base: tpls["1.0.0"], Target: tpls["2.0.0"],
			Ours: launch(b, tpls["1.0.0"], values, edits)}
	}
	return out
}

// BenchmarkNewPlan_Fleet plans 1,000 stacks of web-service from 1.0.0 to
// 2.0.0, as the fleet view does. Run it with:
//
//	go test ./scaffolder/stacks/upgrade -run '^$' -bench Fleet -benchtime 1x
//
// It reports the time per fleet, stacks per second, the statuses and the
// process's peak resident memory (VmHWM).
func BenchmarkNewPlan_Fleet(b *testing.B) {
	inputs := fleet(b, fleetSize)
	ctx := context.Background()
	counts := map[string]int{}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		clear(counts)
		for _, in := range inputs {
			p, err := NewPlan(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			counts[string(p.Status)+"/"+p.BlockedBy]++
		}
	}
	elapsed := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(fleetSize)/elapsed.Seconds(), "stacks/s")
	b.ReportMetric(procstat.PeakRSSMiB(0), "peak-RSS-MiB")
	b.Logf("%d stacks in %s: %v", fleetSize, elapsed.Round(time.Millisecond), counts)
}
