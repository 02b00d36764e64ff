package desired

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
		{name: "bare number refused", in: "10", wantErr: `cpu limit "10" must be a percentage`},
		{name: "zero", in: "0%", wantErr: "must be above 0%"},
		{name: "negative", in: "-5%", wantErr: "must be above 0%"},
		{name: "not a number", in: "abc%", wantErr: `cpu limit "abc%" is not a number`},
		{name: "infinity", in: "inf%", wantErr: "is not a number"},
		{name: "NaN", in: "NaN%", wantErr: "is not a number"},
		{name: "absurd", in: "1e9%", wantErr: "at most"},
		{name: "empty", in: "", wantErr: "must be a percentage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCPU(tt.in)
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
		{name: "K", in: "4K", want: 4 << 10},
		{name: "M", in: "20M", want: 20 << 20},
		{name: "lower m", in: "20m", want: 20 << 20},
		{name: "MB is binary", in: "20MB", want: 20 << 20},
		{name: "Mi", in: "20Mi", want: 20 << 20},
		{name: "MiB", in: "20MiB", want: 20 << 20},
		{name: "G", in: "2G", want: 2 << 30},
		{name: "gb", in: "2gb", want: 2 << 30},
		{name: "Gi", in: "2Gi", want: 2 << 30},
		{name: "T", in: "1T", want: 1 << 40},
		{name: "fraction with unit", in: "1.5G", want: 3 << 29},
		{name: "space before unit", in: "20 M", want: 20 << 20},
		{name: "B", in: "512B", want: 512},
		{name: "zero", in: "0", wantErr: `memory size "0" must be above 0`},
		{name: "zero with unit", in: "0M", wantErr: "must be above 0"},
		{name: "negative", in: "-1M", wantErr: `memory size "-1M" is not bytes`},
		{name: "unknown unit", in: "20X", wantErr: `memory size "20X" is not bytes`},
		{name: "fraction of bytes", in: "1.5", wantErr: "is not a whole number"},
		{name: "no number", in: "M", wantErr: "is not bytes"},
		{name: "empty", in: "", wantErr: "is not bytes"},
		{name: "overflow", in: "99999999999T", wantErr: "is too large"},
		{name: "two dots", in: "1.2.3M", wantErr: "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMemory(tt.in)
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

func TestLimitsValidate(t *testing.T) {
	tests := []struct {
		name    string
		limits  Limits
		wantErr []string
	}{
		{name: "unlimited", limits: Limits{}},
		{name: "valid", limits: Limits{CPU: "10%", Memory: "20M"}},
		{name: "both invalid", limits: Limits{CPU: "10", Memory: "lots"}, wantErr: []string{`limits.cpu: cpu limit "10"`, `limits.memory: memory size "lots"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.limits.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}
