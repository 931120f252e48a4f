package query

import (
	"fmt"
	"testing"
	"time"
)

func TestZZIntern(t *testing.T) {
	docs, _ := benchCorpus()
	for rep := 0; rep < 3; rep++ {
		st := newStrtab()
		var dec [10]time.Duration
		var cnt [10]int
		for i, d := range docs {
			t0 := time.Now()
			for _, r := range d.Rows {
				st.intern(r.Key)
				if r.HasValue {
					st.intern(r.Value)
					if r.Original != r.Value {
						st.intern(r.Original)
					}
				}
			}
			st.intern(d.UID)
			dec[i*10/len(docs)] += time.Since(t0)
			cnt[i*10/len(docs)] += len(d.Rows)
		}
		for j := range 10 {
			fmt.Print(" ", dec[j].Nanoseconds()/int64(len(docs)/10), "(", int64(dec[j])/int64(cnt[j]), "/row)")
		}
		fmt.Println()
	}
}
