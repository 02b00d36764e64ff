package supervise

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/opencontainers/cgroups"
)

// The readers below turn the kernel's files into CgroupLimits units, with
// "unlimited" as 0. The parsers are separate pure functions so that the v2
// formats are unit-tested even on hosts without cgroup v2.

func cgroupReadV1CPU(dir string) (float64, error) {
	quota, err := cgroupReadInt(dir, "cpu.cfs_quota_us")
	if err != nil {
		return 0, err
	}
	period, err := cgroupReadInt(dir, "cpu.cfs_period_us")
	if err != nil {
		return 0, err
	}
	return cgroupPercent(quota, period), nil
}

func cgroupReadV2CPU(dir string) (float64, error) {
	s, err := cgroups.ReadFile(dir, "cpu.max")
	if err != nil {
		return 0, err
	}
	return cgroupParseV2CPUMax(s)
}

func cgroupReadV1Memory(dir string) (int64, error) {
	s, err := cgroups.ReadFile(dir, "memory.limit_in_bytes")
	if err != nil {
		return 0, err
	}
	return cgroupParseV1Memory(s)
}

func cgroupReadV2Memory(dir string) (int64, error) {
	s, err := cgroups.ReadFile(dir, "memory.max")
	if err != nil {
		return 0, err
	}
	return cgroupParseV2Max(s)
}

func cgroupReadInt(dir, file string) (int64, error) {
	s, err := cgroups.ReadFile(dir, file)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", file, err)
	}
	return n, nil
}

// cgroupPercent: a non-positive quota (v1 writes -1) means no limit.
func cgroupPercent(quota, period int64) float64 {
	if quota <= 0 || period <= 0 {
		return 0
	}
	return float64(quota) * 100 / float64(period)
}

// cgroupParseV2CPUMax parses cpu.max: "max 100000" or "10000 100000".
func cgroupParseV2CPUMax(s string) (float64, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("parse cpu.max %q: want \"QUOTA PERIOD\"", s)
	}
	period, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse cpu.max %q: %w", s, err)
	}
	if f[0] == "max" {
		return 0, nil
	}
	quota, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse cpu.max %q: %w", s, err)
	}
	return cgroupPercent(quota, period), nil
}

// cgroupParseV2Max parses a v2 limit file such as memory.max: "max" or bytes.
func cgroupParseV2Max(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse limit %q: %w", s, err)
	}
	return n, nil
}

// cgroupParseV1Memory parses memory.limit_in_bytes. v1 has no "max": an
// unlimited cgroup shows the page counter's maximum, LONG_MAX rounded down to
// a page (9223372036854771712 with 4 KiB pages), so anything within a page
// of MaxInt64 is unlimited.
func cgroupParseV1Memory(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse memory.limit_in_bytes %q: %w", s, err)
	}
	if n > math.MaxInt64-int64(os.Getpagesize()) {
		return 0, nil
	}
	return n, nil
}
