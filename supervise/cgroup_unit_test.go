package supervise

// Pure functions of the cgroup code: names, quota arithmetic and the parsers
// of both cgroup versions' files (v2 formats included, so they are checked
// even on v1 hosts).

import (
	"errors"
	"math"
	"testing"
)

func TestCgroupRelPath(t *testing.T) {
	tests := []struct {
		name, parent, agent, want string
		wantErr                   bool
	}{
		{name: "plain", parent: "bootagent", agent: "BasicAgent", want: "bootagent/BasicAgent"},
		{name: "absolute parent refused as config validation refuses it", parent: "/bootagent", agent: "a", wantErr: true},
		{name: "nested slice", parent: "system.slice/bootagent", agent: "a.b_c-1", want: "system.slice/bootagent/a.b_c-1"},
		{name: "no parent", parent: "", agent: "a", want: "a"},
		{name: "dotdot agent", parent: "bootagent", agent: "..", wantErr: true},
		{name: "slash in agent", parent: "bootagent", agent: "a/b", wantErr: true},
		{name: "empty agent", parent: "bootagent", agent: "", wantErr: true},
		{name: "dotdot in parent", parent: "bootagent/../etc", agent: "a", wantErr: true},
		{name: "empty part in parent", parent: "a//b", agent: "a", wantErr: true},
		{name: "agent too long", parent: "p", agent: "a234567890123456789012345678901234567890123456789012345678901234x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupRelPath(tt.parent, tt.agent)
			if tt.wantErr {
				if !errors.Is(err, ErrCgroupInvalidName) {
					t.Fatalf("cgroupRelPath(%q, %q) = %q, %v; want ErrCgroupInvalidName", tt.parent, tt.agent, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("cgroupRelPath(%q, %q) = %q, %v; want %q", tt.parent, tt.agent, got, err, tt.want)
			}
		})
	}
}

func TestRecordedCgroupParent(t *testing.T) {
	tests := []struct {
		name, rel, agent, want string
		wantErr                bool
	}{
		{name: "under a parent", rel: "bootagent-old/a", agent: "a", want: "bootagent-old"},
		{name: "nested parent, slashes", rel: "/system.slice/ba/a/", agent: "a", want: "system.slice/ba"},
		{name: "at the root", rel: "a", agent: "a", want: ""},
		{name: "another agent's", rel: "bootagent/b", agent: "a", wantErr: true},
		{name: "empty", rel: "", agent: "a", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recordedCgroupParent(tt.rel, tt.agent)
			if tt.wantErr {
				if !errors.Is(err, ErrCgroupInvalidName) {
					t.Fatalf("recordedCgroupParent(%q, %q) = %q, %v; want ErrCgroupInvalidName", tt.rel, tt.agent, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("recordedCgroupParent(%q, %q) = %q, %v; want %q", tt.rel, tt.agent, got, err, tt.want)
			}
		})
	}
}

func TestCgroupQuota(t *testing.T) {
	tests := []struct {
		name    string
		percent float64
		want    int64
		wantErr bool
	}{
		{name: "unlimited", percent: 0, want: -1},
		{name: "ten percent", percent: 10, want: 10000},
		{name: "one and a half CPUs", percent: 150, want: 150000},
		{name: "minimum", percent: 1, want: 1000},
		{name: "fraction rounds", percent: 12.3456, want: 12346},
		{name: "below kernel minimum", percent: 0.5, wantErr: true},
		{name: "negative", percent: -10, wantErr: true},
		{name: "NaN", percent: math.NaN(), wantErr: true},
		{name: "infinite", percent: math.Inf(1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupQuota(tt.percent)
			if tt.wantErr != (err != nil) || got != tt.want {
				t.Fatalf("cgroupQuota(%v) = %d, %v; want %d, error %v", tt.percent, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrCgroupInvalidLimits) {
				t.Fatalf("error %v is not ErrCgroupInvalidLimits", err)
			}
		})
	}
}

func TestCgroupParseV2CPUMax(t *testing.T) {
	tests := []struct {
		name, in string
		want     float64
		wantErr  bool
	}{
		{name: "unlimited", in: "max 100000\n", want: 0},
		{name: "ten percent", in: "10000 100000\n", want: 10},
		{name: "other period", in: "50000 50000", want: 100},
		{name: "garbage", in: "max", wantErr: true},
		{name: "bad quota", in: "x 100000", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cgroupParseV2CPUMax(tt.in)
			if tt.wantErr != (err != nil) || got != tt.want {
				t.Fatalf("cgroupParseV2CPUMax(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCgroupParseMemory(t *testing.T) {
	tests := []struct {
		name, in string
		v1       bool
		want     int64
		wantErr  bool
	}{
		{name: "v2 unlimited", in: "max\n", want: 0},
		{name: "v2 20M", in: "20971520\n", want: 20971520},
		{name: "v2 garbage", in: "lots", wantErr: true},
		{name: "v1 unlimited 4K pages", v1: true, in: "9223372036854771712\n", want: 0},
		{name: "v1 unlimited exact", v1: true, in: "9223372036854775807", want: 0},
		{name: "v1 20M", v1: true, in: "20971520\n", want: 20971520},
		{name: "v1 garbage", v1: true, in: "-", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := cgroupParseV2Max
			if tt.v1 {
				parse = cgroupParseV1Memory
			}
			got, err := parse(tt.in)
			if tt.wantErr != (err != nil) || got != tt.want {
				t.Fatalf("parse(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCgroupFormatBytes(t *testing.T) {
	for in, want := range map[int64]string{0: "unlimited", 20 << 20: "20M", 2 << 30: "2G", 1536: "1536", 512 << 10: "512K"} {
		if got := cgroupFormatBytes(in); got != want {
			t.Errorf("cgroupFormatBytes(%d) = %q, want %q", in, got, want)
		}
	}
}
