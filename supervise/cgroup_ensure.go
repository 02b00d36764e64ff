package supervise

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/cgroups"
)

// Ensure gives the cgroup the limits l, writing only when it does not
// already hold them. Every start goes through here (reconcile's
// prepareCgroup): a new cgroup is born unlimited, and a restart finds the
// limits its previous run had, so the usual start writes nothing. Set
// writes every subsystem through the library under a lock shared by all
// cgroups (librarySetMu), which serialised 500 starts at daemon start-up.
// What counts as held is what Limits reads back (the truth status shows),
// plus the swap bound that Set adds to a memory limit; anything else is
// set as Set always did.
func (c *Cgroup) Ensure(l CgroupLimits) error {
	if err := c.checkLive(); err != nil {
		return err
	}
	if held, err := c.held(); err == nil && cgroupHolds(held, l) {
		return nil
	}
	return c.Set(l) // it also reports a bad limit, or a cgroup removed meanwhile
}

// cgroupHeld is what a cgroup's limit files say, in the units Set writes.
type cgroupHeld struct {
	quota, period int64 // CFS; quota <= 0 (v1 -1, v2 "max") is no limit
	memory        int64 // bytes; 0 is no limit
	swapBound     bool  // swap cannot take the agent beyond memory (or the host has no swap accounting)
}

// cgroupHolds reports whether held is what Set(want) leaves behind, as far
// as the limits go: the CPU quota (the period too when there is a quota),
// the memory limit, and, with a memory limit, no swap beyond it.
func cgroupHolds(held cgroupHeld, want CgroupLimits) bool {
	quota, err := cgroupQuota(want.CPUPercent)
	if err != nil || want.MemoryBytes < 0 {
		return false // Set reports it
	}
	if quota < 0 {
		if held.quota > 0 {
			return false
		}
	} else if held.quota != quota || held.period != cgroupCFSPeriod {
		return false
	}
	if held.memory != want.MemoryBytes {
		return false
	}
	return want.MemoryBytes == 0 || held.swapBound
}

// held reads the limit files.
func (c *Cgroup) held() (cgroupHeld, error) {
	var h cgroupHeld
	var err error
	if c.v2 {
		s, err := cgroups.ReadFile(c.cpuDir, "cpu.max")
		if err != nil {
			return h, err
		}
		if h.quota, h.period, err = cgroupParseV2CPUQuota(s); err != nil {
			return h, err
		}
		if h.memory, err = cgroupReadV2Memory(c.dir); err != nil {
			return h, err
		}
		if h.memory == 0 {
			return h, nil
		}
		// Set leaves memory.swap.max at 0 with a memory limit; a kernel
		// without swap accounting has no such file, and no swap to bound.
		s, err = cgroups.ReadFile(c.dir, "memory.swap.max")
		if errors.Is(err, os.ErrNotExist) {
			h.swapBound = true
			return h, nil
		}
		if err != nil {
			return h, err
		}
		h.swapBound = strings.TrimSpace(s) == "0"
		return h, nil
	}
	if h.quota, err = cgroupReadInt(c.cpuDir, "cpu.cfs_quota_us"); err != nil {
		return h, err
	}
	if h.period, err = cgroupReadInt(c.cpuDir, "cpu.cfs_period_us"); err != nil {
		return h, err
	}
	if h.memory, err = cgroupReadV1Memory(c.dir); err != nil {
		return h, err
	}
	if h.memory == 0 {
		return h, nil
	}
	// v1: memory+swap equal to memory (Set writes both), unless swap
	// accounting is off and the file absent (memoryResources).
	raw, err := os.ReadFile(filepath.Join(c.dir, "memory.memsw.limit_in_bytes"))
	if errors.Is(err, os.ErrNotExist) {
		h.swapBound = true
		return h, nil
	}
	if err != nil {
		return h, err
	}
	memsw, err := cgroupParseV1Memory(string(raw))
	h.swapBound = err == nil && memsw == h.memory
	return h, nil
}

// cgroupParseV2CPUQuota parses cpu.max into quota and period, quota -1
// for "max".
func cgroupParseV2CPUQuota(s string) (quota, period int64, err error) {
	var q string
	if _, err := fmt.Sscan(s, &q, &period); err != nil {
		return 0, 0, fmt.Errorf("parse cpu.max %q: %w", s, err)
	}
	if q == "max" {
		return -1, period, nil
	}
	if _, err := fmt.Sscan(q, &quota); err != nil {
		return 0, 0, fmt.Errorf("parse cpu.max %q: %w", s, err)
	}
	return quota, period, nil
}
