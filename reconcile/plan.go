// Package reconcile is the level-triggered loop: a pure PlanAgent compares
// what is desired of an agent with what is observed and says what to do,
// and the pure lifecycle transitions (lifecycle.go) decide upgrades,
// rollbacks and give-ups; one worker per agent carries that out, serially
// for that agent, newest desired state winning.
package reconcile

import (
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
)

// Kind is what to do about one agent.
type Kind int

// The kinds of action, in the order a reader meets them in PlanAgent.
const (
	None    Kind = iota // desired and observed agree, or nothing may be done yet
	Start               // start the process
	Stop                // stop the process (or just mark the agent stopped)
	Restart             // stop and start: the process must change
	Apply               // the doc changed in ways the running process takes live (limits, policy)
	Wait                // not running, backing off: look again At
	Remove              // no longer desired: stop it and forget it
)

var kindNames = [...]string{"none", "start", "stop", "restart", "apply", "wait", "remove"}

func (k Kind) String() string { return kindNames[k] }

// Action is one decision of Plan.
type Action struct {
	Name string
	Kind Kind
	At   time.Time // Wait: when the backoff ends
}

// PlanAgent decides for one agent. doc is nil when the agent is not desired,
// obs nil when nothing was ever observed of it. ready says every source of
// desired state has reported since start: until then nothing is removed
// (an agent missing from partial knowledge may just not be known yet).
func PlanAgent(name string, doc *desired.Doc, obs *actual.Agent, ready bool, now time.Time) Action {
	act := func(k Kind) Action { return Action{Name: name, Kind: k} }
	if doc == nil {
		if obs == nil || !ready {
			return act(None)
		}
		return act(Remove)
	}
	var o actual.Agent
	if obs != nil {
		o = *obs
	}
	if doc.DesiredState() == desired.Stopped {
		switch {
		case o.BlockedHash != "" && o.BlockedHash == doc.Hash() && !o.Running():
			return act(None) // its package cannot be had: not retried until the doc changes
		case o.Running() || o.Status != actual.Stopped || o.AppliedHash != doc.Hash():
			return act(Stop)
		case doc.Package != nil && o.PackageHash != doc.Hash():
			// Stopped, its package not staged yet (an install or upgrade
			// of a stopped agent): fetch it, after a failed try's delay.
			if o.NextStart.After(now) {
				return Action{Name: name, Kind: Wait, At: o.NextStart}
			}
			return act(Stop)
		}
		return act(None)
	}
	if o.RestartRequested {
		return act(Restart)
	}
	if o.BlockedHash != "" && o.BlockedHash == doc.Hash() {
		return act(None)
	}
	if o.Running() {
		switch {
		case o.ProcessHash != doc.ProcessHash():
			return act(Restart)
		case o.AppliedHash != doc.Hash():
			return act(Apply)
		}
		return act(None)
	}
	// Backing off: wait, unless what the process is made of changed (an
	// operator fixing a crashing command wants it tried now).
	if o.NextStart.After(now) && o.ProcessHash == doc.ProcessHash() && o.BlockedHash == "" {
		return Action{Name: name, Kind: Wait, At: o.NextStart}
	}
	return act(Start)
}
