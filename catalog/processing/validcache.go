package processing

import (
	"crypto/sha256"
	"sync"
)

// validCacheSize bounds the valid-entity cache; at 32 bytes a key it holds
// a 100,000-entity catalog in about 6 MB. When full it starts over.
const validCacheSize = 200_000

// validCache remembers the unprocessed entities that passed CUE validation,
// by the SHA-256 of their JSON. The engine's validator is compiled once and
// validation reads nothing but the entity, so the same bytes pass again:
// reprocessing an unchanged catalog every interval then costs no CUE
// evaluation. Only passes are kept, so an invalid entity is validated (and
// its errors reported) every time.
type validCache struct {
	mu   sync.Mutex
	keys map[[sha256.Size]byte]struct{}
}

func newValidCache() *validCache {
	return &validCache{keys: map[[sha256.Size]byte]struct{}{}}
}

// has reports whether an entity with this key passed validation before.
func (c *validCache) has(key [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.keys[key]
	return ok
}

// add records that the entity with this key passed validation.
func (c *validCache) add(key [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) >= validCacheSize {
		clear(c.keys)
	}
	c.keys[key] = struct{}{}
}
