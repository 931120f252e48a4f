package tasks

import "sync"

// Notifier wakes the readers of a task's events in this process when an
// event is appended here. Readers on other replicas poll instead.
type Notifier struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewNotifier returns an empty Notifier.
func NewNotifier() *Notifier {
	return &Notifier{subs: map[string]map[chan struct{}]struct{}{}}
}

// Subscribe returns a channel that receives a value (coalesced) whenever an
// event of taskID is appended, and a func that ends the subscription.
func (n *Notifier) Subscribe(taskID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	set := n.subs[taskID]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		n.subs[taskID] = set
	}
	set[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(set, ch)
		if len(set) == 0 && n.subs[taskID] != nil && len(n.subs[taskID]) == 0 {
			delete(n.subs, taskID)
		}
	}
}

// Publish wakes every subscriber of taskID without blocking.
func (n *Notifier) Publish(taskID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs[taskID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
