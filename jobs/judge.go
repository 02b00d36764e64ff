package jobs

import (
	"fmt"
	"time"

	"github.com/bootagent/bootagent/actual"
)

// PendingJob is a server job whose outcome is not known yet. Outcome, not
// effort: a job succeeds only when what is observed is what it desired.
type PendingJob struct {
	ID, Action, Name string
	// DesiredHash is the Hash of the desired doc the job asked for ("" for
	// uninstall, where the agent's absence is what is desired).
	DesiredHash string
	Since       time.Time // when the job was accepted
}

// Job states shown in status (SPEC §6 job.state).
const (
	JobPending     = "pending"
	JobDownloading = "downloading"
	JobInstalling  = "installing"
	JobDone        = "done"
	JobFailed      = "failed"
)

// Verdict is the judgement of a pending job at one moment.
type Verdict struct {
	State   string // one of the Job* states
	Errcode int    // 0 done; 1 failed
	Message string
	// RecheckAt, when set, is when the verdict may change with nothing else
	// happening (the start-up period of a new process ends).
	RecheckAt time.Time
}

// Final reports whether the verdict ends the job.
func (v Verdict) Final() bool { return v.State == JobDone || v.State == JobFailed }

// Judge compares what is observed of the job's agent (obs nil: nothing)
// with what the job desired. A process counts as started once it has been
// running for startup (the design note's "running past its start-up").
func Judge(j PendingJob, obs *actual.Agent, startup time.Duration, now time.Time) Verdict {
	pending := Verdict{State: JobPending}
	switch j.Action {
	case "uninstall":
		if obs == nil {
			return Verdict{State: JobDone, Message: "uninstalled"}
		}
		return pending
	case "stop":
		if obs != nil && obs.AppliedHash == j.DesiredHash && !obs.Running() && obs.Status == actual.Stopped {
			return Verdict{State: JobDone, Message: "stopped"}
		}
		return pending
	}
	// install, upgrade, start, restart: the desired process running.
	if obs == nil {
		return pending
	}
	switch {
	case obs.RestartRequested:
		return pending // a restart is about to happen: judge what follows it
	case obs.BadHash != "" && obs.BadHash == j.DesiredHash:
		return Verdict{State: JobFailed, Errcode: 1, Message: obs.Message}
	case obs.Status == actual.Fatal && obs.BlockedHash == j.DesiredHash:
		return Verdict{State: JobFailed, Errcode: 1, Message: obs.Message}
	case obs.Installing:
		return Verdict{State: JobDownloading, Message: obs.Message}
	case obs.Status == actual.Installing:
		return Verdict{State: JobInstalling, Message: obs.Message}
	}
	if !obs.Running() && obs.Status == actual.Stopped && obs.AppliedHash == j.DesiredHash &&
		obs.PackageHash == j.DesiredHash && (j.Action == "install" || j.Action == "upgrade") {
		// An install or upgrade of an agent desired stopped: its package
		// is in place and it stays stopped (SPEC §4 state), as asked.
		msg := "installed, stopped as desired"
		if obs.Version != "" {
			msg = fmt.Sprintf("version %s installed, stopped as desired", obs.Version)
		}
		return Verdict{State: JobDone, Message: msg}
	}
	if !obs.Running() || obs.AppliedHash != j.DesiredHash {
		return Verdict{State: JobPending, Message: obs.Message}
	}
	if j.Action == "restart" && obs.StartedAt.Before(j.Since) {
		return pending // still the process from before the restart
	}
	up := now.Sub(obs.StartedAt)
	if up < startup {
		return Verdict{State: JobPending, Message: "started, in its start-up period", RecheckAt: obs.StartedAt.Add(startup)}
	}
	up = up.Round(100 * time.Millisecond)
	msg := fmt.Sprintf("running (pid %d) for %v", obs.Pid, up)
	if obs.Version != "" {
		msg = fmt.Sprintf("version %s running (pid %d) for %v", obs.Version, obs.Pid, up)
	}
	return Verdict{State: JobDone, Message: msg}
}
