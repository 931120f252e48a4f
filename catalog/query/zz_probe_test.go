package query

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"testing"
	"time"
)

func TestZZProbe(t *testing.T) {
	docs, _ := benchCorpus()
	rows := 0
	for _, d := range docs {
		rows += len(d.Rows)
	}
	fmt.Println("docs", len(docs), "rows/doc", float64(rows)/float64(len(docs)))
	f, _ := os.Create("/tmp/probe.prof")
	pprof.StartCPUProfile(f)
	defer pprof.StopCPUProfile()
	for _, gc := range []int{100, -1} {
		runtime.GC()
		old := debug.SetGCPercent(gc)
		ix := NewIndex()
		var dec [10]time.Duration
		var pi, pp, pa [10]time.Duration
		for i := 0; i < len(docs); i += growBatch {
			phInt, phPost, phAux = 0, 0, 0
			t0 := time.Now()
			ix.UpsertBatch(docs[i:min(i+growBatch, len(docs))])
			dec[i*10/len(docs)] += time.Since(t0)
			pi[i*10/len(docs)] += phInt
			pp[i*10/len(docs)] += phPost
			pa[i*10/len(docs)] += phAux
		}
		for j := range 10 {
			fmt.Println("decile", j, "total", dec[j].Nanoseconds()/int64(len(docs)/10), "intern", pi[j].Nanoseconds()/int64(len(docs)/10), "post", pp[j].Nanoseconds()/int64(len(docs)/10), "aux", pa[j].Nanoseconds()/int64(len(docs)/10))
		}
		fmt.Print("gc=", gc, " per-decile ns/entity:")
		for _, d := range dec {
			fmt.Print(" ", d.Nanoseconds()/int64(len(docs)/10))
		}
		fmt.Println(" strings", ix.strs.len(), "pairs", ix.post.idx.n, "lists", len(ix.post.lists))
		debug.SetGCPercent(old)
	}
}
