package supervise

import (
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/bootagent/bootagent/syntax"
	"github.com/opencontainers/cgroups"
)

// cgroupCFSPeriod is the CFS period in µs; the quota is a share of it.
const cgroupCFSPeriod = syntax.CFSPeriodUS

// Set changes the limits live: running processes are throttled or limited
// from the next scheduling period on, without a restart. A zero field removes
// that limit. CPU and memory are written separately so an error says which
// one failed; a CPU change that succeeded stays in force, and Limits reports
// what is.
func (c *Cgroup) Set(l CgroupLimits) error {
	quota, err := cgroupQuota(l.CPUPercent)
	if err != nil {
		return fmt.Errorf("%s: set cpu limit %s: %w", c, cgroupFormatPercent(l.CPUPercent), err)
	}
	if l.MemoryBytes < 0 {
		return fmt.Errorf("%s: set memory limit %d: %w: negative", c, l.MemoryBytes, ErrCgroupInvalidLimits)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.destroyed {
		return fmt.Errorf("%s: set limits: %w", c, ErrCgroupDestroyed)
	}
	librarySetMu.Lock()
	defer librarySetMu.Unlock()
	cpu := &cgroups.Resources{SkipDevices: true, CpuQuota: quota, CpuPeriod: cgroupCFSPeriod}
	if err := c.mgr.Set(cpu); err != nil {
		return fmt.Errorf("%s: set cpu limit %s: %w", c, cgroupFormatPercent(l.CPUPercent), err)
	}
	if err := c.mgr.Set(c.memoryResources(l.MemoryBytes)); err != nil {
		return fmt.Errorf("%s: set memory limit %s: %w", c, cgroupFormatBytes(l.MemoryBytes), err)
	}
	return nil
}

// librarySetMu serialises the library's Manager.Set across all cgroups:
// opencontainers/cgroups v0.1.0's v1 BlkioGroup.Set lazily initialises
// package-level file names without a lock (blkio.go detectWeightFilenames),
// a data race when two agents start at once. Set is rare; a lock is cheap.
var librarySetMu sync.Mutex

// cgroupQuota turns a percent of one CPU into a CFS quota with
// syntax.CPUQuota, the conversion validation used; 0 is unlimited, -1 to
// the library (both its fs writers turn it into "-1" on v1 and "max" on v2).
func cgroupQuota(percent float64) (int64, error) {
	if percent == 0 {
		return -1, nil
	}
	quota, err := syntax.CPUQuota(percent)
	if err != nil {
		return 0, fmt.Errorf("%w: cpu %s", ErrCgroupInvalidLimits, err)
	}
	return quota, nil
}

// memoryResources sets memory+swap to the memory limit: with swap allowed a
// process over its limit is swapped out instead of being OOM-killed, and the
// limit would not bound what the agent really takes from the host. -1 removes
// the limit (the library then lifts the swap limit too).
func (c *Cgroup) memoryResources(bytes int64) *cgroups.Resources {
	r := &cgroups.Resources{SkipDevices: true, Memory: -1}
	if bytes == 0 {
		return r
	}
	r.Memory = bytes
	// v2 ignores a missing memory.swap.max; v1 fails on a missing
	// memory.memsw.* (swap accounting off), so only set it when present.
	if c.v2 || cgroups.PathExists(filepath.Join(c.dir, "memory.memsw.limit_in_bytes")) {
		r.MemorySwap = bytes
	}
	return r
}

// Limits reads the limits back from the cgroup files, not from the last Set:
// after a daemon restart, or if someone edited the files, this is the truth
// that actual/ reports and reconcile compares with the desired limits.
func (c *Cgroup) Limits() (CgroupLimits, error) {
	var (
		l   CgroupLimits
		err error
	)
	if c.v2 {
		l.CPUPercent, err = cgroupReadV2CPU(c.cpuDir)
	} else {
		l.CPUPercent, err = cgroupReadV1CPU(c.cpuDir)
	}
	if err != nil {
		return CgroupLimits{}, fmt.Errorf("%s: read cpu limit: %w", c, err)
	}
	if c.v2 {
		l.MemoryBytes, err = cgroupReadV2Memory(c.dir)
	} else {
		l.MemoryBytes, err = cgroupReadV1Memory(c.dir)
	}
	if err != nil {
		return CgroupLimits{}, fmt.Errorf("%s: read memory limit: %w", c, err)
	}
	return l, nil
}

// cgroupFormatBytes prints a limit the way desired files write it (20M).
func cgroupFormatBytes(n int64) string {
	switch {
	case n == 0:
		return "unlimited"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "G"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "M"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "K"
	}
	return strconv.FormatInt(n, 10)
}

func cgroupFormatPercent(p float64) string {
	if p == 0 {
		return "unlimited"
	}
	return strconv.FormatFloat(p, 'g', -1, 64) + "%"
}
