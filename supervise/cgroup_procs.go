package supervise

import (
	"fmt"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// Add moves a process (all its threads) into the cgroup, in every v1
// hierarchy or the unified one. On v1 the caller starts the child blocked
// and adds it before it execs, so its first instruction already runs
// limited; its later children inherit the cgroup.
func (c *Cgroup) Add(pid int) error {
	c.mu.Lock()
	destroyed := c.destroyed
	c.mu.Unlock()
	if destroyed {
		return fmt.Errorf("%s: add pid %d: %w", c, pid, ErrCgroupDestroyed)
	}
	// Apply rather than AddPid: AddPid also writes to the devices
	// hierarchy, which SkipDevices leaves uncreated. Apply recreates a
	// directory removed behind our back instead of failing.
	if err := c.mgr.Apply(pid); err != nil {
		return fmt.Errorf("%s: add pid %d: %w", c, pid, err)
	}
	return nil
}

// Pids lists every process in the cgroup and in any sub-cgroup an agent may
// have made: those are all the agent's, whatever their session or parent.
func (c *Cgroup) Pids() ([]int, error) {
	pids, err := cgroups.GetAllPids(c.dir)
	if err != nil {
		return nil, fmt.Errorf("%s: list processes: %w", c, err)
	}
	return pids, nil
}

// FD opens the cgroup directory for SysProcAttr.UseCgroupFD (clone3 with
// CLONE_INTO_CGROUP): the child is born inside the cgroup, with no window in
// which it runs unlimited. The caller closes the fd after the start.
// Only v2 has a single directory holding every controller; on v1 the caller
// falls back to start-blocked-then-Add.
func (c *Cgroup) FD() (int, error) {
	if !c.v2 {
		return -1, fmt.Errorf("%s: %w", c, ErrCgroupNoFD)
	}
	fd, err := unix.Open(c.dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("%s: open %s: %w", c, c.dir, err)
	}
	return fd, nil
}
