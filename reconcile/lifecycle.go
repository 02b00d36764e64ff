package reconcile

import (
	"fmt"
	"time"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// The agent lifecycle: every upgrade, rollback and give-up decision is a
// pure transition of Memory here, table-tested in lifecycle_test.go. The
// worker persists the new Memory, then carries out the Decision.

// Next is what a transition tells the worker to do.
type Next int

const (
	Continue Next = iota // plan as usual
	Backoff              // not running: start again at Decision.Until
	GiveUp               // fatal: no start until the doc changes or an operator restarts it
	RollBack             // the target failed: run the previous version now (planned with Effective)
	KeepOld              // the target cannot run: the process running now keeps running
)

var nextNames = [...]string{"continue", "backoff", "give up", "roll back", "keep old"}

func (n Next) String() string { return nextNames[n] }

// Decision is the outcome of a transition.
type Decision struct {
	Kind    Next
	Until   time.Time // Backoff: when the delay ends
	Message string    // the reason, for status and the event
}

// ForDesired drops the marks that concern another desired doc than doc: a
// changed doc is tried afresh. A give-up is of the doc that ran, which is
// the fallback while the desired doc is marked bad.
func (m Memory) ForDesired(doc *desired.Doc) Memory {
	if doc == nil {
		return m
	}
	if m.Bad != nil && m.Bad.Hash != doc.Hash() {
		m.Bad = nil
	}
	if m.Fatal != nil && m.Fatal.Hash != m.Effective(doc).Hash() {
		m.Fatal, m.Failures, m.FailuresOf = nil, 0, ""
	}
	return m
}

// Effective is the doc to plan with: the desired one, or the fallback while
// the desired one is marked bad.
func (m Memory) Effective(doc *desired.Doc) *desired.Doc {
	if doc == nil || m.Bad == nil || m.Bad.Hash != doc.Hash() {
		return doc
	}
	fb := m.Bad.Fallback.Doc
	return &fb
}

// Switching is called once doc's package is at hand and its process can be
// made, before the process running now (if any) is stopped. A switch to
// another version of a package opens an upgrade that can roll back to the
// last version that proved itself.
func (m Memory) Switching(doc desired.Doc, version string) Memory {
	prev := m.Last
	if m.Upgrade != nil {
		p := m.Upgrade.Prev // an unproven target is no place to roll back to
		prev = &p
	}
	m.Upgrade = nil
	if prev == nil || doc.Package == nil || prev.Doc.Package == nil || version == "" || prev.Version == version {
		return m
	}
	m.Upgrade = &Upgrade{Target: doc.Hash(), Version: version, Prev: *prev}
	return m
}

// Started records that doc's process runs (since now); an upgrade's target
// starts its health window.
func (m Memory) Started(doc desired.Doc, version string, now time.Time, health time.Duration) Memory {
	m.Last = &Ran{Doc: doc, Version: version}
	if m.Upgrade != nil {
		if m.Upgrade.Target != doc.Hash() {
			m.Upgrade = nil
		} else {
			u := *m.Upgrade
			u.Until = now.Add(health)
			m.Upgrade = &u
		}
	}
	return m
}

// StartFailed: doc's process could not be made or started. terminal means
// retrying cannot help (an unknown user, limits the host cannot apply);
// any other failed start counts as a failed run under the policy. An
// upgrade's target that cannot start rolls back.
func (m Memory) StartFailed(doc desired.Doc, why string, terminal bool, p supervise.Policy, now time.Time) (Memory, Decision) {
	if m.upgrading(doc) {
		return m.rollback(why)
	}
	if terminal {
		return m.giveUp(doc, why)
	}
	return m.Exited(doc, 0, supervise.ExitStatus{Known: true, Code: 127}, why, p, now)
}

// Exited: doc's process ended on its own after running for ran. Within an
// upgrade's health window that rolls back; otherwise the restart policy
// (SPEC §5) says back off or give up.
func (m Memory) Exited(doc desired.Doc, ran time.Duration, st supervise.ExitStatus, why string, p supervise.Policy, now time.Time) (Memory, Decision) {
	if m.upgrading(doc) {
		if !m.Upgrade.Started() || now.Before(m.Upgrade.Until) {
			return m.rollback(why)
		}
		m.Upgrade = nil // it outlived its window: proven, whatever the timer says
	}
	if m.FailuresOf != doc.ProcessHash() {
		m.Failures, m.FailuresOf = 0, doc.ProcessHash()
	}
	t := supervise.Tracker{Failures: m.Failures}
	fatal := t.Exit(p, ran, st)
	m.Failures = t.Failures
	if m.Failures == 0 {
		// A count of none is of no process: the memory of a long run's
		// exit stays as it was, and the restart persists nothing first.
		m.FailuresOf = ""
	}
	if fatal {
		return m.giveUp(doc, fmt.Sprintf("fatal after %d abnormal exits (last: %s)", t.Failures, why))
	}
	return m, Decision{Kind: Backoff, Until: now.Add(p.Delay), Message: why}
}

// Unrunnable: doc cannot run (its package cannot be had, or its process
// cannot be made: why), where label names the target ("2.0", or the URL
// when no version is known). When another process runs now, it keeps
// running and doc is marked bad; otherwise the agent gives up.
func (m Memory) Unrunnable(doc desired.Doc, label, why string, running bool) (Memory, Decision) {
	if !running || m.Last == nil {
		return m.giveUp(doc, why)
	}
	reason := badReason(label, why, m.Last.Version)
	m.Bad = &Bad{Hash: doc.Hash(), Reason: reason, Fallback: *m.Last}
	return m, Decision{Kind: KeepOld, Message: reason}
}

// HealthOver ends an upgrade whose target outlived its health window; it
// returns the upgrade so the caller can keep its two versions on disk.
func (m Memory) HealthOver(now time.Time) (Memory, *Upgrade) {
	if !m.Upgrade.Started() || now.Before(m.Upgrade.Until) {
		return m, nil
	}
	u := m.Upgrade
	m.Upgrade = nil
	return m, u
}

// Resumed is the first transition after a daemon start; running says
// whether the agent's process was adopted. A target that was in its
// health window and is gone did not prove itself: roll back.
func (m Memory) Resumed(running bool) (Memory, Decision) {
	if m.Upgrade.Started() && !running {
		return m.rollback("exited during its health window while bootagent was not running")
	}
	return m, Decision{}
}

// Restarted: an operator asked for a restart (or a job did), which clears
// a give-up and the failure count.
func (m Memory) Restarted() Memory {
	m.Fatal, m.Failures, m.FailuresOf = nil, 0, ""
	return m
}

// Stopped: the agent is desired stopped; nothing of its runs counts on.
func (m Memory) Stopped() Memory {
	m.Fatal, m.Upgrade, m.Failures, m.FailuresOf = nil, nil, 0, ""
	return m
}

func (m Memory) upgrading(doc desired.Doc) bool {
	return m.Upgrade != nil && m.Upgrade.Target == doc.Hash()
}

func (m Memory) giveUp(doc desired.Doc, msg string) (Memory, Decision) {
	m.Fatal = &GaveUp{Hash: doc.Hash(), Message: msg}
	return m, Decision{Kind: GiveUp, Message: msg}
}

// rollback marks the upgrade's target bad and makes its previous version
// the one to run, with a fresh failure count.
func (m Memory) rollback(why string) (Memory, Decision) {
	u := m.Upgrade
	reason := badReason(u.Version, why, u.Prev.Version)
	prev := u.Prev
	m.Bad = &Bad{Hash: u.Target, Reason: reason, Fallback: prev}
	m.Upgrade, m.Last, m.Fatal = nil, &prev, nil
	m.Failures, m.FailuresOf = 0, ""
	return m, Decision{Kind: RollBack, Message: reason}
}

// badReason is the message of a target that failed while another version
// runs: "target 2.0 failed (exited with code 3), running 1.0".
func badReason(target, why, running string) string {
	return fmt.Sprintf("target %s failed (%s), running %s", target, why, running)
}
