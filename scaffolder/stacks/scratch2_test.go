package stacks

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestScratchPerf(t *testing.T) {
	ctx := context.Background()
	src, _ := OpenSource(ctx, "../../schemas/stacks/web-service")
	tpl, err := src.Load(ctx, "2.0.0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var ms runtime.MemStats
	for i := 0; i < 2000; i++ {
		_, err := tpl.Render(ctx, Input{Values: map[string]any{"name": fmt.Sprintf("svc-%d", i), "owner": "group:default/x", "replicas": i%10 + 2}})
		if err != nil {
			t.Fatal(err)
		}
		if i%250 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			fmt.Println(i, time.Since(start), ms.HeapAlloc>>20)
		}
	}
	fmt.Println(time.Since(start))
}
