// Package actual holds what is: the observed state of each sub-agent
// (process, status, applied desired doc) and the recent events. It decides
// nothing; reconcile/ reads it to plan and writes it after acting.
package actual

import "time"

// Status is an agent's status as sent on the wire (SPEC §5, spelled as the
// design note spells it: "stoped").
type Status string

// The wire values of SPEC §5.
const (
	Running    Status = "running"
	Stopped    Status = "stoped"
	Fatal      Status = "fatal"
	Killed     Status = "killed"
	Backoff    Status = "backoff"
	Installing Status = "installing"
)

// Agent is what is observed about one sub-agent.
type Agent struct {
	Name      string
	Status    Status
	Pid       int       // 0 when not running
	StartedAt time.Time // start of the current run
	Restarts  int       // restarts by the policy since the agent was first desired
	Version   string    // version running (or last run)
	Source    string    // source of the doc in effect

	// AppliedHash is the desired doc's Hash now in effect; ProcessHash the
	// ProcessHash the running process was started with.
	AppliedHash string
	ProcessHash string

	// NextStart is when a backoff ends (Status Backoff or Killed).
	NextStart time.Time
	// BlockedHash is set when the agent gave up (fatal: too many failures,
	// or a terminal error such as an unknown user) for the desired doc with
	// this Hash: nothing is retried until the doc changes or an operator
	// asks for a restart.
	BlockedHash string
	// BadHash is set while the desired doc with this Hash is marked bad
	// (its package failed to install or did not survive an upgrade's health
	// window) and a previous version runs instead.
	BadHash string
	// RestartRequested is an operator's pending `bootagent restart`.
	RestartRequested bool

	Installing bool // a package is being fetched (the old version may run meanwhile)
	// PackageHash is set to the Hash of a doc desired stopped once its
	// package is fetched and unpacked (staged for its next start; Version
	// is then the staged one).
	PackageHash string
	Message     string // last error or what is being waited for
	Limits      map[string]string
}

// Running reports whether a process is alive.
func (a Agent) Running() bool { return a.Pid != 0 }

// Uptime is the current run's length in whole seconds; 0 when not running.
func (a Agent) Uptime(now time.Time) int64 {
	if a.Pid == 0 || a.StartedAt.IsZero() {
		return 0
	}
	return int64(now.Sub(a.StartedAt) / time.Second)
}
