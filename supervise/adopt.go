package supervise

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// ErrNotAdoptable means a recorded process is not the one recorded: it is
// gone, or its pid now belongs to another process.
var ErrNotAdoptable = errors.New("recorded process is gone or its pid was reused")

// ProcStartTime is the process's start time in clock ticks since boot
// (/proc/PID/stat field 22). With the pid it identifies a process for good:
// a reused pid has another start time.
func ProcStartTime(pid int) (uint64, error) {
	st, err := readProcStat(pid)
	return st.startTime, err
}

// InCgroup reports whether pid sits in the cgroup at path (as Cgroup.Path
// gives it) in any hierarchy.
func InCgroup(pid int, path string) bool {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return false
	}
	defer f.Close()
	want := "/" + strings.Trim(path, "/")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "hierarchy-ID:controllers:path"
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) == 3 && parts[2] == want {
			return true
		}
	}
	return false
}

// Adopt watches a process that a previous daemon started: pid must still
// have startTime and, when cgroupPath is set, sit in that cgroup. It is not
// our child, so its exit is seen (pidfd) but its exit status is not.
func Adopt(pid int, startTime uint64, cgroupPath string, startedAt time.Time) (*Process, error) {
	if st, err := ProcStartTime(pid); err != nil || st != startTime {
		return nil, fmt.Errorf("adopt pid %d: %w", pid, ErrNotAdoptable)
	}
	if cgroupPath != "" && !InCgroup(pid, cgroupPath) {
		return nil, fmt.Errorf("adopt pid %d: not in cgroup %s: %w", pid, cgroupPath, ErrNotAdoptable)
	}
	pidfd, err := openPidfd(pid)
	if err != nil {
		return nil, fmt.Errorf("adopt pid %d: %w", pid, ErrNotAdoptable)
	}
	// The pid could have been reused between the check and pidfd_open:
	// check again now that the pidfd pins the process.
	if st, err := readProcStat(pid); err != nil || st.startTime != startTime {
		syscallClose(pidfd)
		return nil, fmt.Errorf("adopt pid %d: %w", pid, ErrNotAdoptable)
	} else if st.state == 'Z' || st.state == 'X' {
		// It died while no daemon watched (init has not reaped it yet):
		// nothing runs to adopt, and the agent is started afresh.
		syscallClose(pidfd)
		return nil, fmt.Errorf("adopt pid %d: it exited: %w", pid, ErrNotAdoptable)
	}
	return watch(pid, pidfd, false, startedAt), nil
}
