package supervise

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCgroupHolds(t *testing.T) {
	unlimitedV1 := cgroupHeld{quota: -1, period: 100000}
	limited := cgroupHeld{quota: 10000, period: 100000, memory: 20 * cgMiB, swapBound: true}
	tests := []struct {
		name string
		held cgroupHeld
		want CgroupLimits
		ok   bool
	}{
		{name: "new cgroup, no limits asked", held: unlimitedV1, want: CgroupLimits{}, ok: true},
		{name: "v2 max quota is no limit", held: cgroupHeld{quota: -1, period: 100000}, want: CgroupLimits{}, ok: true},
		{name: "period irrelevant without a quota", held: cgroupHeld{quota: -1, period: 50000}, want: CgroupLimits{}, ok: true},
		{name: "same limits as the previous run", held: limited, want: CgroupLimits{CPUPercent: 10, MemoryBytes: 20 * cgMiB}, ok: true},
		{name: "quota left by someone, none asked", held: cgroupHeld{quota: 5000, period: 100000}, want: CgroupLimits{}},
		{name: "other cpu limit", held: limited, want: CgroupLimits{CPUPercent: 20, MemoryBytes: 20 * cgMiB}},
		{name: "same quota, other period", held: cgroupHeld{quota: 10000, period: 50000, memory: 20 * cgMiB, swapBound: true}, want: CgroupLimits{CPUPercent: 10, MemoryBytes: 20 * cgMiB}},
		{name: "cpu limit asked on an unlimited cgroup", held: unlimitedV1, want: CgroupLimits{CPUPercent: 10}},
		{name: "other memory limit", held: limited, want: CgroupLimits{CPUPercent: 10, MemoryBytes: 30 * cgMiB}},
		{name: "memory limit to remove", held: limited, want: CgroupLimits{CPUPercent: 10}},
		{name: "memory limit without the swap bound", held: cgroupHeld{quota: -1, period: 100000, memory: 20 * cgMiB}, want: CgroupLimits{MemoryBytes: 20 * cgMiB}},
		{name: "invalid cpu goes to Set, which says why", held: unlimitedV1, want: CgroupLimits{CPUPercent: -5}},
		{name: "negative memory goes to Set", held: unlimitedV1, want: CgroupLimits{MemoryBytes: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cgroupHolds(tt.held, tt.want); got != tt.ok {
				t.Fatalf("cgroupHolds(%+v, %+v) = %v, want %v", tt.held, tt.want, got, tt.ok)
			}
		})
	}
}

func TestCgroupParseV2CPUQuota(t *testing.T) {
	tests := []struct {
		name, in      string
		quota, period int64
		wantErr       bool
	}{
		{name: "unlimited", in: "max 100000\n", quota: -1, period: 100000},
		{name: "limited", in: "10000 100000\n", quota: 10000, period: 100000},
		{name: "garbage", in: "x\n", wantErr: true},
		{name: "bad quota", in: "ten 100000", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, p, err := cgroupParseV2CPUQuota(tt.in)
			if (err != nil) != tt.wantErr || (!tt.wantErr && (q != tt.quota || p != tt.period)) {
				t.Fatalf("cgroupParseV2CPUQuota(%q) = %d, %d, %v", tt.in, q, p, err)
			}
		})
	}
}

// ensureWithoutSet runs c.Ensure(l) while the test holds the lock every
// library Set takes: it returns (true) only if Ensure wrote nothing; after
// the deadline the lock is let go and it reports false.
func ensureWithoutSet(t *testing.T, c *Cgroup, l CgroupLimits) bool {
	t.Helper()
	librarySetMu.Lock()
	done := make(chan error, 1)
	go func() { done <- c.Ensure(l) }()
	select {
	case err := <-done:
		librarySetMu.Unlock()
		if err != nil {
			t.Fatalf("Ensure(%+v): %v", l, err)
		}
		return true
	case <-time.After(cgScale(2 * time.Second)):
		librarySetMu.Unlock() // Ensure now goes on with Set
		if err := <-done; err != nil {
			t.Fatalf("Ensure(%+v): %v", l, err)
		}
		return false
	}
}

// TestCgroupEnsureWritesOnlyWhatDiffers: a start of an agent without
// limits in a new cgroup, and a restart with the limits the cgroup already
// holds, write nothing; limits that differ (asked, or edited by hand) are
// set, and read back as asked.
func TestCgroupEnsureWritesOnlyWhatDiffers(t *testing.T) {
	c := cgOpen(t, "ensure")
	if !ensureWithoutSet(t, c, CgroupLimits{}) {
		t.Fatal("Ensure of no limits on a new cgroup went through the library's Set")
	}
	want := CgroupLimits{CPUPercent: 10, MemoryBytes: 20 * cgMiB}
	if err := c.Ensure(want); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Limits(); err != nil || got != want {
		t.Fatalf("after Ensure: Limits() = %+v, %v; want %+v", got, err, want)
	}
	cgCheckNoSwap(t, c, want.MemoryBytes)
	if !ensureWithoutSet(t, c, want) {
		t.Fatal("Ensure of the limits the cgroup holds went through the library's Set")
	}
	// Someone edits the quota: the next start puts it back.
	file, value := filepath.Join(c.cpuDir, "cpu.cfs_quota_us"), "50000"
	if c.v2 {
		file, value = filepath.Join(c.cpuDir, "cpu.max"), "50000 100000"
	}
	if err := os.WriteFile(file, []byte(value), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Ensure(want); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Limits(); err != nil || got != want {
		t.Fatalf("after a hand edit and Ensure: Limits() = %+v, %v; want %+v", got, err, want)
	}
	if err := c.Destroy(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ensure(want); err == nil {
		t.Fatal("Ensure on a destroyed cgroup: no error")
	}
}
