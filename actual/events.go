package actual

import (
	"github.com/bootagent/bootagent/api"
	"sync"
	"time"
)

// Event types of SPEC §6.
const (
	EventExited        = "exited"
	EventFatal         = "fatal"
	EventKilled        = "killed"
	EventInstallFailed = "install_failed"
	EventRollback      = "rollback"
	EventInvalidConfig = "invalid_config"
)

// Event is one thing that happened: the SPEC §6 wire type itself, since
// events are reported as they are observed.
type Event = api.Event

// Events keeps the most recent events in a ring and tells subscribers of
// each new one. Safe for concurrent use.
type Events struct {
	mu   sync.Mutex
	ring []Event
	next int
	full bool
	subs []func(Event)
}

// NewEvents keeps the last n events.
func NewEvents(n int) *Events { return &Events{ring: make([]Event, n)} }

// Subscribe calls fn for every event added from now on, synchronously from
// Add: fn must not block.
func (e *Events) Subscribe(fn func(Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.subs = append(e.subs, fn)
}

// Add records an event; a zero Time is set to now.
func (e *Events) Add(ev Event) {
	if ev.Time == 0 {
		ev.Time = time.Now().Unix()
	}
	e.mu.Lock()
	e.ring[e.next] = ev
	e.next = (e.next + 1) % len(e.ring)
	if e.next == 0 {
		e.full = true
	}
	subs := e.subs
	e.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
}

// Recent returns the kept events, oldest first.
func (e *Events) Recent() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	if e.full {
		out = append(out, e.ring[e.next:]...)
	}
	return append(out, e.ring[:e.next]...)
}
