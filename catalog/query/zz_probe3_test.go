package query

import (
	"fmt"
	"testing"
)

func BenchmarkZZInternHot(b *testing.B) {
	st := newStrtab()
	keys := []string{"metadata.name", "kind", "spec.type", "metadata.annotations.backstage.io/managed-by-location", "relations.ownedby"}
	for i := range 100000 {
		st.intern(fmt.Sprint("value-", i))
	}
	i := 0
	for b.Loop() {
		st.intern(keys[i%len(keys)])
		i++
	}
}

func BenchmarkZZMapHot(b *testing.B) {
	m := map[string]uint32{}
	keys := []string{"metadata.name", "kind", "spec.type", "metadata.annotations.backstage.io/managed-by-location", "relations.ownedby"}
	for i, k := range keys {
		m[k] = uint32(i)
	}
	i := 0
	s := uint32(0)
	for b.Loop() {
		s += m[keys[i%len(keys)]]
		i++
	}
}
