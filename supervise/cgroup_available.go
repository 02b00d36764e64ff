package supervise

import (
	"fmt"
	"os"
	"strings"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// cgroupV2Root is where the unified hierarchy is mounted on v2-only hosts
// (cgroupV2Available, in cgroup_v2home.go, checks the daemon's own cgroup
// under it).
const cgroupV2Root = "/sys/fs/cgroup"

// cgroupV1Needed: cpu for the CFS quota, cpuacct for CPU time, memory for
// the limit and the OOM count. On v2 cpu.stat needs no controller.
var (
	cgroupV1Needed = []string{"cpu", "cpuacct", "memory"}
	cgroupV2Needed = []string{"cpu", "memory"}
)

// CgroupsAvailable says whether sub-agents can get cgroups here. The error
// names what is missing (root, a controller, a writable mount), so the daemon
// can log one precise line and tests can skip with a clear reason.
func CgroupsAvailable() error {
	if euid := os.Geteuid(); euid != 0 {
		return fmt.Errorf("%w (running as euid %d)", ErrCgroupNotRoot, euid)
	}
	if IsCgroupV2() {
		return cgroupV2Available()
	}
	return cgroupV1Available()
}

func cgroupV1Available() error {
	var missing, mounts []string
	for _, sub := range cgroupV1Needed {
		mnt, err := cgroups.FindCgroupMountpoint("", sub)
		if err != nil {
			missing = append(missing, sub)
			continue
		}
		mounts = append(mounts, mnt)
	}
	if len(missing) > 0 {
		return fmt.Errorf("cgroup v1: %w: %s not mounted", ErrCgroupControllerMissing, strings.Join(missing, ", "))
	}
	for _, mnt := range mounts {
		if err := cgroupWritable(mnt); err != nil {
			return err
		}
	}
	return nil
}

// cgroupWritable catches the read-only /sys/fs/cgroup of most containers,
// where root can read everything but create nothing.
func cgroupWritable(dir string) error {
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCgroupReadOnly, dir, err)
	}
	return nil
}
