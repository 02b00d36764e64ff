// Package selfupgrade replaces the running bootagent binary with a new one
// without stopping a sub-agent (SPEC §14): the new binary is staged and
// checked, swapped in atomically keeping the previous one, and the daemon
// re-executes itself in place (same pid, so systemd keeps tracking it). The
// new version is on trial until it is healthy (agents adopted, desired
// state applied, its server reached when it has one); if it is not within
// upgrade_health_window, the previous binary is restored and run again.
//
// The trial is a record on disk (Record), changed only through Transition
// under a lock, so that the three parties that may end it cannot disagree:
// the new process (healthy, or reverting itself in place), and the guard, a
// small process the old binary leaves behind (guard.go), for a new binary
// that dies or hangs before it can do anything about itself.
package selfupgrade

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/atomicfile"
	"github.com/bootagent/bootagent/internal/statedir"
)

// State is where a trial is.
type State string

const (
	// Trying: the new binary is swapped in and runs (or should), on trial.
	Trying State = "trying"
	// Healthy: the new binary came up healthy; the upgrade is done.
	Healthy State = "healthy"
	// Reverted: the previous binary was restored; Reason says why.
	Reverted State = "reverted"
)

// EnvRecord names, in the environment of a re-executed daemon, the record
// of its trial: the new binary knows it is on trial before it can read
// its configuration (which it may fail to parse).
const EnvRecord = "BOOTAGENT_UPGRADE_RECORD"

// Record is one self-upgrade, from the swap to its outcome.
type Record struct {
	JobID       string         `json:"job_id,omitempty"` // "" when asked from the CLI
	State       State          `json:"state"`
	Reason      string         `json:"reason,omitempty"` // Reverted: why
	FromSHA     string         `json:"from_sha"`
	ToSHA       string         `json:"to_sha"`
	FromVersion string         `json:"from_version"`
	ToVersion   string         `json:"to_version"`
	Exe         string         `json:"exe"`  // the path the daemon runs from
	Prev        string         `json:"prev"` // the previous binary, kept
	Args        []string       `json:"args"` // the daemon's argv, to run it again
	Pid         int            `json:"pid"`
	PidStart    uint64         `json:"pid_start"` // /proc/PID/stat start time: exec keeps it
	Agents      map[string]int `json:"agents"`    // agents running at the swap, name → pid
	NeedServer  bool           `json:"need_server"`
	Window      time.Duration  `json:"window"`
	Started     time.Time      `json:"started"`
	Deadline    time.Time      `json:"deadline"`
	Ended       time.Time      `json:"ended,omitzero"`
}

// Path is where the record of state_dir's daemon lives (0600, private/).
func Path(stateDir string) string {
	return filepath.Join(statedir.Private(stateDir), "self-upgrade.json")
}

// Load reads the record at path; ok false when there is none.
func Load(path string) (rec Record, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("self-upgrade record %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return Record{}, false, fmt.Errorf("self-upgrade record %s: %w", path, err)
	}
	return rec, true, nil
}

// Save writes rec at path atomically.
func Save(path string, rec Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("self-upgrade record %s: %w", path, err)
	}
	return nil
}

// Transition moves the record at path from Trying to to (Healthy or
// Reverted, with reason), under an exclusive lock: of the new process and
// the guard, exactly one ends a trial. ok false: it was not Trying (someone
// else ended it), and nothing changed.
func Transition(path string, to State, reason string, now time.Time) (rec Record, ok bool, err error) {
	return TransitionWith(path, to, reason, now, nil)
}

// Revert ends the trial at path as Reverted, restoring the previous binary
// first, under the record's lock: Reverted then always means the previous
// binary is in place (the CLI waiting on the upgrade and the job's result
// read it so), and no Healthy can slip in between. A failed restore leaves
// the trial on (ok false, err says why), to be tried again.
func Revert(path, reason string, now time.Time) (rec Record, ok bool, err error) {
	return TransitionWith(path, Reverted, reason, now, func(r Record) error { return Restore(r.Exe, r.Prev) })
}

// TransitionWith is Transition running do (when not nil) under the lock
// once the trial is known to be still on, before the new state is saved;
// an error from do saves nothing.
func TransitionWith(path string, to State, reason string, now time.Time, do func(Record) error) (rec Record, ok bool, err error) {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return Record{}, false, fmt.Errorf("self-upgrade record %s: %w", path, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return Record{}, false, fmt.Errorf("self-upgrade record %s: lock: %w", path, err)
	}
	rec, found, err := Load(path)
	if err != nil || !found || rec.State != Trying {
		return rec, false, err
	}
	if do != nil {
		if err := do(rec); err != nil {
			return rec, false, err
		}
	}
	rec.State, rec.Reason, rec.Ended = to, reason, now.UTC()
	return rec, true, Save(path, rec)
}
