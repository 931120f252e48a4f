package tasks

import "sync"

// Vault keeps task secrets in memory only, for the life of a run.
type Vault struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

// NewVault returns an empty Vault.
func NewVault() *Vault { return &Vault{m: map[string]map[string]string{}} }

// Put stores the secrets of a task.
func (v *Vault) Put(id string, secrets map[string]string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.m[id] = secrets
}

// Get returns the secrets of a task.
func (v *Vault) Get(id string) (map[string]string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[id]
	return s, ok
}

// Delete forgets the secrets of a task.
func (v *Vault) Delete(id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, id)
}
