package server

import "sync"

// notifier wakes every waiter at once: Wait returns a channel closed at
// the next Fire. Live views (the web UI's event stream) wait on it instead
// of polling the database. The zero value is ready to use.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) fire() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// NewEvents returns a channel closed once an event newer than now is
// committed; call it again after each wake-up (and before reading, so no
// event falls between the read and the wait).
func (s *Store) NewEvents() <-chan struct{} { return s.newEvents.wait() }
