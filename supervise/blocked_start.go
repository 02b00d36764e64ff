package supervise

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// startBlocked starts spec on cgroup v1, where a process cannot be created
// inside a cgroup: the bootagent binary is re-executed as a helper that
// waits on a pipe; the daemon moves it into the cgroup, then lets it go and
// it execs the agent (same pid). files are stdin, stdout, stderr.
func startBlocked(path string, spec Spec, files []uintptr) (*Process, error) {
	// The running binary itself, even after a package manager replaced or
	// removed the file on disk (an upgrade of bootagent): a path would then
	// name another file, or none.
	const self = "/proc/self/exe"
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer w.Close()
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: append(files, r.Fd()),
		Sys:   &syscall.SysProcAttr{Setpgid: true, PidFD: &pidfd},
	}
	pid, err := syscall.ForkExec(self, helperArgs(path, spec), attr)
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("start %s: exec helper %s: %w", spec.Name, self, err)
	}
	p := watch(pid, pidfd, true, time.Now())
	if err := spec.Cgroup.Add(pid); err != nil {
		w.Close() // EOF: the helper exits without running the agent
		p.Exit()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	if _, err := w.Write([]byte{1}); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		p.Exit()
		return nil, fmt.Errorf("start %s: release helper: %w", spec.Name, err)
	}
	return p, nil
}
