package syntax

import (
	"strings"
	"testing"
)

func TestParseCPU(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    float64
		wantErr string
	}{
		{name: "percent", in: "10%", want: 10},
		{name: "fraction", in: "2.5%", want: 2.5},
		{name: "several CPUs", in: "250%", want: 250},
		{name: "spaces", in: " 50 % ", want: 50},
		{name: "kernel minimum", in: "1%", want: 1},
		{name: "rounds to the µs of quota applied", in: "12.34567%", want: 12.346},
		{name: "just under 1% rounds up to the minimum quota", in: "0.9995%", want: 1},
		{name: "below the kernel minimum", in: "0.5%", wantErr: `cpu limit "0.5%" is below the kernel's minimum of 1%`},
		{name: "far below", in: "0.001%", wantErr: "below the kernel's minimum"},
		{name: "maximum", in: "1000000%", want: 1e6},
		{name: "absurd", in: "1e9%", wantErr: "at most"},
		{name: "bare number refused", in: "10", wantErr: `cpu limit "10" must be a percentage`},
		{name: "zero", in: "0%", wantErr: "must be above 0%"},
		{name: "negative", in: "-5%", wantErr: "must be above 0%"},
		{name: "not a number", in: "abc%", wantErr: `cpu limit "abc%" is not a number`},
		{name: "infinity", in: "inf%", wantErr: "is not a number"},
		{name: "NaN", in: "NaN%", wantErr: "is not a number"},
		{name: "empty", in: "", wantErr: "must be a percentage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCPU(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// Whatever ParseCPU accepts, CPUQuota (what the cgroup code applies)
// converts back to the same quota: validation and use cannot disagree.
func TestParseCPURoundTripsThroughCPUQuota(t *testing.T) {
	for _, in := range []string{"1%", "0.9995%", "10%", "12.34567%", "33.3333%", "250%", "1000000%"} {
		p, err := ParseCPU(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		q, err := CPUQuota(p)
		if err != nil || float64(q)*100/CFSPeriodUS != p {
			t.Errorf("%s: ParseCPU = %v, CPUQuota = %d, %v", in, p, q, err)
		}
	}
}

func TestCPUQuota(t *testing.T) {
	tests := []struct {
		name    string
		percent float64
		want    int64
		wantErr string
	}{
		{name: "ten percent", percent: 10, want: 10000},
		{name: "one and a half CPUs", percent: 150, want: 150000},
		{name: "minimum", percent: 1, want: MinCFSQuotaUS},
		{name: "fraction rounds", percent: 12.3456, want: 12346},
		{name: "below kernel minimum", percent: 0.5, wantErr: "below the kernel's minimum"},
		{name: "zero is not a quota", percent: 0, wantErr: "above 0%"},
		{name: "negative", percent: -10, wantErr: "above 0%"},
		{name: "too many CPUs", percent: 2e6, wantErr: "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CPUQuota(tt.percent)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestParseMemory(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr string
	}{
		{name: "bytes", in: "1048576", want: 1 << 20},
		{name: "M", in: "20M", want: 20 << 20},
		{name: "lower m is the same", in: "20m", want: 20 << 20},
		{name: "MB is binary", in: "20MB", want: 20 << 20},
		{name: "Mi", in: "20Mi", want: 20 << 20},
		{name: "MiB", in: "20MiB", want: 20 << 20},
		{name: "G", in: "2G", want: 2 << 30},
		{name: "gb", in: "2gb", want: 2 << 30},
		{name: "T", in: "1T", want: 1 << 40},
		{name: "fraction with unit", in: "1.5G", want: 3 << 29},
		{name: "space before unit", in: "20 M", want: 20 << 20},
		{name: "smallest limit", in: "64K", want: MinMemoryBytes},
		{name: "below one page of any size", in: "4K", wantErr: `memory size "4K" is below the smallest limit of 64K`},
		{name: "bytes below a page", in: "512B", wantErr: "below the smallest limit"},
		{name: "zero", in: "0", wantErr: `memory size "0" must be above 0`},
		{name: "zero with unit", in: "0M", wantErr: "must be above 0"},
		{name: "huge but representable", in: "8388607T", want: 8388607 << 40},
		{name: "overflow with unit", in: "99999999999T", wantErr: "is too large"},
		{name: "overflow of plain bytes", in: "99999999999999999999", wantErr: "is too large"},
		{name: "overflow with a fraction", in: "9999999.5T", wantErr: "is too large"},
		{name: "negative", in: "-1M", wantErr: `memory size "-1M" is not bytes`},
		{name: "unknown unit", in: "20X", wantErr: `memory size "20X" is not bytes`},
		{name: "fraction of bytes", in: "1.5", wantErr: "is not a whole number"},
		{name: "no number", in: "M", wantErr: "is not bytes"},
		{name: "empty", in: "", wantErr: "is not bytes"},
		{name: "two dots", in: "1.2.3M", wantErr: "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMemory(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

// ParseSize is ParseMemory without the page minimum (log_max_size).
func TestParseSize(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr string
	}{
		{name: "K", in: "4K", want: 4 << 10},
		{name: "B", in: "512B", want: 512},
		{name: "zero", in: "0", wantErr: "must be above 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func checkParse[T comparable](t *testing.T, got T, err error, want T, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("got %v, %v; want error containing %q", got, err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
}
