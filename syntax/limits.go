package syntax

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

const (
	// CFSPeriodUS is the CFS period, in µs, every cpu limit is a share of.
	CFSPeriodUS = 100000
	// MinCFSQuotaUS is the kernel's smallest CFS quota (1 ms, v1
	// cpu.cfs_quota_us and v2 cpu.max alike): below it the write fails with
	// EINVAL. At CFSPeriodUS that is 1% of one CPU.
	MinCFSQuotaUS = 1000
	// MaxCPUPercent caps cpu limits at 10000 CPUs: far beyond any host, low
	// enough that quota arithmetic in microseconds cannot overflow.
	MaxCPUPercent = 1e6
	// MinMemoryBytes is the smallest memory limit: the kernel counts limits
	// in pages, rounding down, and a limit below one page (64 KiB is the
	// largest Linux page) would be zero, OOM-killing the agent at every
	// start.
	MinMemoryBytes = 64 << 10
)

// ParseCPU reads a cpu limit, a percentage of one CPU: "10%" is a tenth of a
// CPU, "250%" two and a half. The % is required so that "2" is never
// mistaken for two CPUs when it would mean 2%. The result is the percent the
// cgroup will hold: the quota CPUQuota makes of it, as a percent again, so a
// limit finer than 1 µs of quota reads back as what is applied.
func ParseCPU(s string) (float64, error) {
	t := strings.TrimSpace(s)
	num, ok := strings.CutSuffix(t, "%")
	if !ok {
		return 0, fmt.Errorf("cpu limit %q must be a percentage of one CPU, e.g. \"10%%\" or \"250%%\"", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("cpu limit %q is not a number followed by %%", s)
	}
	quota, err := CPUQuota(v)
	if err != nil {
		return 0, fmt.Errorf("cpu limit %q %w", s, err)
	}
	return float64(quota) * 100 / CFSPeriodUS, nil
}

// CPUQuota converts a percent of one CPU into the CFS quota in µs per
// CFSPeriodUS. It is the only place that conversion is made: ParseCPU
// validates with it and the cgroup code applies with it. The error follows
// the value ("cpu limit "0.5%" must be ...").
func CPUQuota(percent float64) (int64, error) {
	if math.IsNaN(percent) || math.IsInf(percent, 0) || percent <= 0 || percent > MaxCPUPercent {
		return 0, fmt.Errorf("must be above 0%% and at most %g%%", float64(MaxCPUPercent))
	}
	quota := int64(math.Round(percent / 100 * CFSPeriodUS))
	if quota < MinCFSQuotaUS {
		return 0, fmt.Errorf("is below the kernel's minimum of %g%% (a CFS quota of %d µs per %d µs)",
			float64(MinCFSQuotaUS)*100/CFSPeriodUS, MinCFSQuotaUS, CFSPeriodUS)
	}
	return quota, nil
}

// sizeUnits are binary multiples whatever the spelling: "M", "MB", "Mi" and
// "MiB" all mean 2^20 (so do "m" and "mb": case never matters), as in the
// original design note's "20M".
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "ti": 1 << 40, "tib": 1 << 40,
}

// ParseMemory reads a memory limit: a size (ParseSize) of at least
// MinMemoryBytes. The result is the byte count the cgroup is given.
func ParseMemory(s string) (int64, error) {
	n, err := ParseSize(s)
	if err != nil {
		return 0, err
	}
	if n < MinMemoryBytes {
		return 0, fmt.Errorf("memory size %q is below the smallest limit of 64K (the kernel would round it down to no page at all)", s)
	}
	return n, nil
}

// ParseSize reads a size: plain bytes ("1048576") or a number with a K/M/G/T
// suffix (also KB, Ki, KiB…, any case), always binary multiples. A fraction
// is allowed with a suffix ("1.5G"); the result is > 0.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if !ok || num == "" {
		return 0, fmt.Errorf("memory size %q is not bytes or a number with a K, M, G or T suffix", s)
	}
	v, err := parseSizeNumber(num, mult)
	if err != nil {
		return 0, fmt.Errorf("memory size %q %w", s, err)
	}
	return v, nil
}

func parseSizeNumber(num string, mult int64) (int64, error) {
	if mult == 1 || !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, errors.New("is too large")
			}
			return 0, errors.New("is not a whole number of bytes")
		}
		if n <= 0 {
			return 0, errors.New("must be above 0")
		}
		if n > math.MaxInt64/mult {
			return 0, errors.New("is too large")
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, errors.New("is not a number")
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, errors.New("is too large")
	}
	if int64(v) <= 0 {
		return 0, errors.New("must be at least 1 byte")
	}
	return int64(v), nil
}
