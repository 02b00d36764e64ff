package api

import (
	"log/slog"
	"path/filepath"
)

// Where the daemon keeps its queues under state_dir, and the
// bound each gets: one place, so the policy "events may be dropped when
// the queue is full, results never" is not re-decided by each caller.

// DefaultEventOutboxMax bounds the event queue: far more than a host
// produces in a long outage (the restart policy gives up on an agent that
// keeps crashing), and at most tens of MiB with log tails.
const DefaultEventOutboxMax = 10000

// OpenResultOutbox opens <stateDir>/outbox/results, unbounded.
func OpenResultOutbox(stateDir string, log *slog.Logger) (*Outbox[JobResult], error) {
	return OpenOutbox[JobResult](filepath.Join(stateDir, "outbox", "results"), outboxLog(log)...)
}

// OpenEventOutbox opens <stateDir>/outbox/events, bounded by
// DefaultEventOutboxMax (the oldest events are dropped first).
func OpenEventOutbox(stateDir string, log *slog.Logger) (*Outbox[Event], error) {
	opts := append(outboxLog(log), OutboxMaxItems(DefaultEventOutboxMax))
	return OpenOutbox[Event](filepath.Join(stateDir, "outbox", "events"), opts...)
}

func outboxLog(log *slog.Logger) []OutboxOption {
	if log == nil {
		return nil
	}
	return []OutboxOption{OutboxLogger(log)}
}
