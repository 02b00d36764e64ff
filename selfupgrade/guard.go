package selfupgrade

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/bootagent/bootagent/supervise"
)

// GuardCommand is the hidden bootagent subcommand the guard runs as:
// `bootagent upgrade-guard RECORD` (and, detached, with "--detached").
const GuardCommand = "upgrade-guard"

// SpawnGuard starts the guard of the trial recorded at record, from the
// previous binary (known to run). It forks twice: the first child starts
// the guard in its own session and exits at once, so the guard is no child
// of the daemon (which is about to exec and would never reap it).
func SpawnGuard(prev, record string) error {
	cmd := exec.Command(prev, GuardCommand, record)
	cmd.Args[0] = os.Args[0] // as the daemon was run (a multi-call binary may care)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = guardEnv()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("start the upgrade guard from %s: %w", prev, err)
	}
	return nil
}

// guardEnv is the daemon's environment without the trial marker: the
// previous binary the guard may start is not on trial.
func guardEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvRecord+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// GuardMain is `bootagent upgrade-guard RECORD [--detached]`.
func GuardMain(args []string) int {
	if len(args) == 1 {
		// First fork: start the real guard detached, and return at once.
		cmd := exec.Command("/proc/self/exe", GuardCommand, args[0], "--detached")
		cmd.Args[0] = os.Args[0]
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			fmt.Fprintf(os.Stderr, "bootagent upgrade-guard: %v\n", err)
			return 1
		}
		return 0
	}
	if len(args) != 2 || args[1] != "--detached" {
		fmt.Fprintln(os.Stderr, "usage: bootagent upgrade-guard RECORD")
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "upgrade-guard")
	guard(log, args[0], 100*time.Millisecond)
	return 0
}

// guard watches the trial at path until it is over, reverting it when the
// new daemon dies on trial or hangs past its deadline.
func guard(log *slog.Logger, path string, every time.Duration) {
	var deadSince time.Time // when the trial's process first looked dead, without a break since
	for {
		rec, ok, err := Load(path)
		if err != nil || !ok {
			log.Error("upgrade record unreadable; nothing to guard", "record", path, "error", err)
			return
		}
		now := time.Now()
		var deadFor time.Duration
		switch {
		case trialAlive(rec):
			deadSince = time.Time{}
		case deadSince.IsZero():
			deadSince = now
		default:
			deadFor = now.Sub(deadSince)
		}
		var what string
		switch Guard(rec, deadFor, now) {
		case GuardDone:
			return
		case GuardWait:
			time.Sleep(every)
			continue
		case GuardRevertDead:
			what = "it exited before it was healthy"
		case GuardRevertHung:
			what = "it hung (no sign of health, and it did not revert itself)"
		}
		rec, won, err := Revert(path, rec.RevertReason(what), time.Now())
		if err != nil {
			log.Error("previous binary not restored; trying again", "error", err)
			continue
		}
		if !won {
			continue // the new process ended the trial meanwhile: look again
		}
		log.Warn("self-upgrade failed: previous binary restored", "reason", rec.Reason)
		if trialAlive(rec) {
			syscall.Kill(rec.Pid, syscall.SIGKILL)
			for i := 0; i < 100 && trialAlive(rec); i++ {
				time.Sleep(50 * time.Millisecond)
			}
		}
		startPrevious(log, rec)
		return
	}
}

// startPrevious runs the restored binary as the daemon again. Under
// systemd ($INVOCATION_ID) the unit's Restart=always does that, and a
// second daemon would only find the state directory locked.
func startPrevious(log *slog.Logger, rec Record) {
	if os.Getenv("INVOCATION_ID") != "" {
		log.Info("systemd restarts the previous binary (Restart=always)")
		return
	}
	cmd := exec.Command(rec.Exe, rec.Args[1:]...)
	cmd.Args[0] = rec.Args[0]
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = guardEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		log.Error("previous binary not started", "exe", rec.Exe, "error", err)
		return
	}
	log.Info("previous binary started", "exe", rec.Exe, "pid", cmd.Process.Pid)
}

// trialAlive: the trial's process (its pid with its start time) runs and
// is not a zombie.
func trialAlive(rec Record) bool { return supervise.ProcessRuns(rec.Pid, rec.PidStart) }

// ProcStart is this process's start time (kept across exec).
func ProcStart() (uint64, error) { return supervise.ProcStartTime(os.Getpid()) }
