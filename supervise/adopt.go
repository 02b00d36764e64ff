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
// gone, its pid now belongs to another process, or it was recorded in
// another boot.
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

// bootIDFile is the kernel's random id of the current boot.
const bootIDFile = "/proc/sys/kernel/random/boot_id"

// BootID is the id of the running boot. A pid and a start time in clock
// ticks since boot identify a process within one boot only: after a
// reboot both can repeat, so a run record also carries the boot id.
func BootID() (string, error) {
	b, err := os.ReadFile(bootIDFile)
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("read boot id: %s is empty", bootIDFile)
	}
	return id, nil
}

// Recorded is what a previous daemon wrote down about a process it started.
type Recorded struct {
	Pid       int
	StartTime uint64 // /proc/PID/stat starttime
	// BootID is the boot the process was started in; "" in records written
	// before boot ids were recorded, which are trusted as of this boot (a
	// daemon upgraded in place must adopt what its predecessor started).
	BootID    string
	Cgroup    string // "" when it ran without a cgroup
	StartedAt time.Time
}

// sameBoot decides whether a record may be of a process of this boot.
func sameBoot(recorded, current string, currentErr error) error {
	switch {
	case recorded == "":
		return nil
	case currentErr != nil:
		return fmt.Errorf("recorded in boot %s, and this boot's id is unknown: %v", recorded, currentErr)
	case recorded != current:
		return fmt.Errorf("recorded in boot %s, this is boot %s", recorded, current)
	}
	return nil
}

// Adopt watches a process that a previous daemon started: it must have been
// started in this boot, its pid must still have the recorded start time
// and, when a cgroup is recorded, sit in that cgroup. It is not our child,
// so its exit is seen (pidfd) but its exit status is not.
func Adopt(rec Recorded) (*Process, error) {
	pid, startTime := rec.Pid, rec.StartTime
	current, err := BootID()
	if err := sameBoot(rec.BootID, current, err); err != nil {
		return nil, fmt.Errorf("adopt pid %d: %v: %w", pid, err, ErrNotAdoptable)
	}
	if st, err := ProcStartTime(pid); err != nil || st != startTime {
		return nil, fmt.Errorf("adopt pid %d: %w", pid, ErrNotAdoptable)
	}
	if rec.Cgroup != "" && !InCgroup(pid, rec.Cgroup) {
		return nil, fmt.Errorf("adopt pid %d: not in cgroup %s: %w", pid, rec.Cgroup, ErrNotAdoptable)
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
		if st.ppid == os.Getpid() {
			reap(pid, true) // ours (a self-upgrade exec'ed in place): no zombie left
		}
		return nil, fmt.Errorf("adopt pid %d: it exited: %w", pid, ErrNotAdoptable)
	} else {
		// After a self-upgrade re-executed the daemon in place, the agents
		// are still its children: it reaps them and reads their exit
		// status as it does for those it starts.
		return watch(pid, pidfd, st.ppid == os.Getpid(), rec.StartedAt), nil
	}
}
