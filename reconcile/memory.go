package reconcile

import (
	"time"

	"github.com/bootagent/bootagent/desired"
)

// Memory is what the reconciler must remember of one agent across daemon
// restarts and reboots (SPEC §9 "nothing is lost"): the restart policy's
// failure count, a give-up, a target marked bad, an upgrade in its health
// window, and the last doc that ran (what a rollback goes back to). It is
// changed only by the pure transitions in lifecycle.go and written to
// state_dir/memory/NAME.json (memory_store.go) before the worker acts on
// the change, so a SIGKILL at any instant leaves either the old memory or
// the new one.
type Memory struct {
	// Failures counts consecutive abnormal short runs of the process made
	// from FailuresOf (a ProcessHash): past failures of another process
	// say nothing about this one.
	Failures   int    `json:"failures,omitempty"`
	FailuresOf string `json:"failures_of,omitempty"`

	Fatal   *GaveUp  `json:"fatal,omitempty"`
	Bad     *Bad     `json:"bad,omitempty"`
	Upgrade *Upgrade `json:"upgrade,omitempty"`
	Last    *Ran     `json:"last,omitempty"`
}

// Ran is a desired doc that ran, with the version it ran (a package's
// manifest version, which a server job does not name).
type Ran struct {
	Doc     desired.Doc `json:"doc"`
	Version string      `json:"version,omitempty"`
}

// GaveUp: no more starts of the desired doc with this Hash until the doc
// changes or an operator asks for a restart.
type GaveUp struct {
	Hash    string `json:"hash"`
	Message string `json:"message"`
}

// Bad marks a desired doc (by Hash) whose package or process failed while
// Fallback could run instead: until the desired doc changes, the worker
// plans with Fallback.
type Bad struct {
	Hash     string `json:"hash"`
	Reason   string `json:"reason"` // "target 2.0 failed (…), running 1.0"
	Fallback Ran    `json:"fallback"`
}

// Upgrade is a switch from Prev to the desired doc with hash Target
// (version Version) that has not proven itself yet. Until is zero while
// the target has not started, then the end of its health window: an exit
// or a failed start before then rolls back to Prev.
type Upgrade struct {
	Target  string    `json:"target"`
	Version string    `json:"version"`
	Prev    Ran       `json:"prev"`
	Until   time.Time `json:"until,omitzero"`
}

// Started reports whether the upgrade's target has started (its health
// window runs).
func (u *Upgrade) Started() bool { return u != nil && !u.Until.IsZero() }
