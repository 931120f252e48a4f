package schemas

import (
	"errors"
	"sync"
)

// maxKeys bounds the keys a struct remembers the matching patterns of. A
// catalog repeats a few hundred label and annotation keys, but may also
// hold one of its own per entity; when the memory is full it starts over.
const maxKeys = 1024

// keyMatches remembers which pattern constraints of a struct match a key:
// the key rules of labels and annotations are the costliest regular
// expressions of an entity, and keys repeat across a catalog.
type keyMatches struct {
	mu   sync.RWMutex
	bits map[string]uint64
}

// errManyPatterns is why a struct with more pattern constraints than
// keyMatches has bits is left to CUE.
var errManyPatterns = errors.New("more than 64 pattern constraints")

// matches returns the patterns whose labels match k, one bit each, or
// false when a label is unknown, so that no one can tell.
func (o *object) matches(k string) (uint64, bool) {
	if len(o.patterns) == 0 {
		return 0, true
	}
	if o.unknownLabel {
		return 0, false
	}
	o.keys.mu.RLock()
	bits, ok := o.keys.bits[k]
	o.keys.mu.RUnlock()
	if ok {
		return bits, true
	}
	for i, p := range o.patterns {
		if p.label.accepts(k) {
			bits |= 1 << i
		}
	}
	o.keys.mu.Lock()
	if o.keys.bits == nil || len(o.keys.bits) >= maxKeys {
		o.keys.bits = make(map[string]uint64)
	}
	o.keys.bits[k] = bits
	o.keys.mu.Unlock()
	return bits, true
}
