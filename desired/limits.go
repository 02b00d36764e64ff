package desired

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxCPUPercent caps cpu limits at 10000 CPUs: far beyond any host, low
// enough that quota arithmetic in microseconds cannot overflow.
const maxCPUPercent = 1e6

// ParseCPU reads a cpu limit, a percentage of one CPU: "10%" is a tenth of a
// CPU, "250%" two and a half. The % is required so that "2" is never
// mistaken for two CPUs when it would mean 2%.
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
	if v <= 0 || v > maxCPUPercent {
		return 0, fmt.Errorf("cpu limit %q must be above 0%% and at most %g%%", s, float64(maxCPUPercent))
	}
	return v, nil
}

// memoryUnits are binary multiples whatever the spelling: "M", "MB", "Mi"
// and "MiB" all mean 2^20, as in the original design note's "20M".
var memoryUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kb": 1 << 10, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "ti": 1 << 40, "tib": 1 << 40,
}

// ParseMemory reads a memory size: plain bytes ("1048576") or a number with
// a K/M/G/T suffix (also KB, Ki, KiB…, any case), always binary multiples.
// A fraction is allowed with a suffix ("1.5G"); the result is > 0.
func ParseMemory(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := memoryUnits[unit]
	if !ok || num == "" {
		return 0, fmt.Errorf("memory size %q is not bytes or a number with a K, M, G or T suffix", s)
	}
	v, err := parseMemoryNumber(num, mult)
	if err != nil {
		return 0, fmt.Errorf("memory size %q %w", s, err)
	}
	return v, nil
}

func parseMemoryNumber(num string, mult int64) (int64, error) {
	if mult == 1 || !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
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

// Validate checks both limits; empty ones mean unlimited.
func (l Limits) Validate() error {
	var errs []error
	for _, fe := range l.fieldErrors() {
		errs = append(errs, errors.New(fe.String()))
	}
	return errors.Join(errs...)
}

func (l Limits) fieldErrors() []fieldError {
	var fes []fieldError
	if l.CPU != "" {
		if _, err := ParseCPU(l.CPU); err != nil {
			fes = append(fes, fieldError{"limits.cpu", err.Error()})
		}
	}
	if l.Memory != "" {
		if _, err := ParseMemory(l.Memory); err != nil {
			fes = append(fes, fieldError{"limits.memory", err.Error()})
		}
	}
	return fes
}
