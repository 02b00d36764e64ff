package supervise

import (
	"fmt"
	"syscall"
)

// ExitStatus is how a process ended.
type ExitStatus struct {
	// Known is false for an adopted process (not our child): the kernel
	// tells only its parent how it ended.
	Known  bool
	Code   int            // exit code; 128+signal when killed by a signal
	Signal syscall.Signal // 0 unless killed by a signal
}

// Abnormal reports whether the exit counts as a failure under SPEC §5: a
// non-zero code or a signal. An unknown status counts as abnormal.
func (e ExitStatus) Abnormal() bool {
	return !e.Known || e.Code != 0 || e.Signal != 0
}

func (e ExitStatus) String() string {
	switch {
	case !e.Known:
		return "exited (status unknown)"
	case e.Signal != 0:
		return fmt.Sprintf("killed by signal %d (%s)", int(e.Signal), e.Signal)
	default:
		return fmt.Sprintf("exited with code %d", e.Code)
	}
}

func exitFromWaitStatus(ws syscall.WaitStatus) ExitStatus {
	if ws.Signaled() {
		sig := ws.Signal()
		return ExitStatus{Known: true, Code: 128 + int(sig), Signal: sig}
	}
	return ExitStatus{Known: true, Code: ws.ExitStatus()}
}
