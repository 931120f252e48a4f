package query

import (
	"encoding/json"
	"testing"
)

func TestMeasureTmp(t *testing.T) {
	ents := generateEntities(100000, 1)
	strs := map[string]bool{}
	pairs := map[[2]string]int{}
	keys := map[string]int{}
	rows, jsonBytes, strBytes := 0, 0, 0
	for _, e := range ents {
		b, _ := json.Marshal(e)
		jsonBytes += len(b)
		rs, err := SearchRows(e)
		if err != nil {
			t.Fatal(err)
		}
		rows += len(rs)
		for _, r := range rs {
			for _, s := range []string{r.Key, r.Value, r.Original} {
				if !strs[s] {
					strs[s] = true
					strBytes += len(s)
				}
			}
			pairs[[2]string{r.Key, r.Value}]++
			keys[r.Key]++
		}
	}
	single := 0
	for _, n := range pairs {
		if n == 1 {
			single++
		}
	}
	t.Logf("entities=%d json=%dMB rows=%d (%.1f/entity) strings=%d (%dMB) pairs=%d singletons=%d keys=%d",
		len(ents), jsonBytes>>20, rows, float64(rows)/float64(len(ents)), len(strs), strBytes>>20, len(pairs), single, len(keys))
}
