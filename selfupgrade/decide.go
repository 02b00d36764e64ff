package selfupgrade

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// JobOutcome is what a self-upgrade job has come to, judged from the
// record on disk (ok false: none). Pending: the trial runs. Redo: the
// record is of another upgrade, so this job's swap never happened (a crash
// came before it): it is carried out (again).
type JobOutcome struct {
	Pending, Redo bool
	Message       string
	Failed        bool
}

// OutcomeOf judges job id against the record.
func OutcomeOf(rec Record, ok bool, id string) JobOutcome {
	if !ok || rec.JobID != id {
		return JobOutcome{Redo: true}
	}
	switch rec.State {
	case Healthy:
		return JobOutcome{Message: rec.Upgraded()}
	case Reverted:
		return JobOutcome{Failed: true, Message: rec.Reason}
	default:
		return JobOutcome{Pending: true}
	}
}

// Upgraded is the message of a successful upgrade.
func (r Record) Upgraded() string {
	return fmt.Sprintf("upgraded from %s to %s (sha256 %.12s), same pid %d, %d agents adopted", r.FromVersion, r.ToVersion, r.ToSHA, r.Pid, len(r.Agents))
}

// RevertReason is the message of a trial that failed because of what.
func (r Record) RevertReason(what string) string {
	return fmt.Sprintf("new binary %s (sha256 %.12s) did not come up healthy within %s: %s; restored the previous binary, %s", r.ToVersion, r.ToSHA, r.Window, what, r.FromVersion)
}

// GuardStep is what the guard does on one look at the trial.
type GuardStep int

const (
	GuardWait       GuardStep = iota // still on trial, in time
	GuardDone                        // the trial is over: nothing to guard
	GuardRevertDead                  // the daemon died on trial: restore and start the previous binary
	GuardRevertHung                  // past the deadline and its grace: kill it, restore, start the previous binary
)

// GuardGrace is how long past the deadline the guard leaves the new
// process to revert itself in place (same pid) before it steps in.
func GuardGrace(window time.Duration) time.Duration { return 2*time.Second + window/10 }

// DeathConfirm is how long the trial's process must look dead before the
// guard believes it: while a multi-threaded process execs from another
// thread than its leader, the kernel shows the pid as a zombie for a
// moment (the old leader is being reaped), and that is no death.
const DeathConfirm = 300 * time.Millisecond

// Guard decides the guard's step: deadFor is how long the trial's process
// (its pid with its start time) has looked dead (gone or a zombie) without
// a break, 0 while it runs.
func Guard(rec Record, deadFor time.Duration, now time.Time) GuardStep {
	switch {
	case rec.State != Trying:
		return GuardDone
	case deadFor >= DeathConfirm:
		return GuardRevertDead
	case now.After(rec.Deadline.Add(GuardGrace(rec.Window))):
		return GuardRevertHung
	}
	return GuardWait
}

// Health is what the new process knows of itself.
type Health struct {
	Ready   bool           // adopted, and the first desired set applied
	Reached bool           // a status report reached a server
	Adopted map[string]int // agents running now, name → pid
}

// Unhealthy says what keeps the new version from being healthy ("": it
// is). alive tells whether a pid still runs: an agent that was running at
// the swap and still runs must have been adopted, with the same pid (not
// adopting it would mean starting a second copy, or losing it).
func Unhealthy(rec Record, h Health, alive func(pid int) bool) string {
	var lost []string
	for name, pid := range rec.Agents {
		if h.Adopted[name] != pid && alive(pid) {
			lost = append(lost, fmt.Sprintf("%s (pid %d)", name, pid))
		}
	}
	sort.Strings(lost)
	switch {
	case !h.Ready:
		return "it did not finish starting (adoption and the first desired state)"
	case len(lost) > 0:
		return "it did not adopt " + strings.Join(lost, ", ")
	case rec.NeedServer && !h.Reached:
		return "it did not reach its server"
	}
	return ""
}
