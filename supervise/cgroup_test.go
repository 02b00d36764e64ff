package supervise

// Tests against real cgroups and real processes. They need root and the cpu
// and memory controllers; elsewhere they skip, unless
// BOOTAGENT_REQUIRE_CGROUPS=1 (CI on a capable host) turns that into a failure.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const cgMiB = 1 << 20

func TestCgroupSetAndReadBackLimits(t *testing.T) {
	c := cgOpen(t, "limits")
	steps := []struct {
		name string
		set  CgroupLimits
	}{
		{"initial limits", CgroupLimits{CPUPercent: 10, MemoryBytes: 20 * cgMiB}},
		{"live change", CgroupLimits{CPUPercent: 150, MemoryBytes: 64 * cgMiB}},
		{"memory only", CgroupLimits{MemoryBytes: 32 * cgMiB}},
		{"back to unlimited", CgroupLimits{}},
	}
	for _, s := range steps {
		if err := c.Set(s.set); err != nil {
			t.Fatalf("%s: Set(%+v): %v", s.name, s.set, err)
		}
		got, err := c.Limits()
		if err != nil {
			t.Fatalf("%s: Limits: %v", s.name, err)
		}
		if got != s.set {
			t.Fatalf("%s: Limits() = %+v, want %+v", s.name, got, s.set)
		}
		cgCheckNoSwap(t, c, s.set.MemoryBytes)
	}
}

// cgCheckNoSwap: on v1 with swap accounting, memory+swap follows the memory
// limit, so an agent over its limit is OOM-killed rather than swapped out.
func cgCheckNoSwap(t *testing.T, c *Cgroup, memory int64) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.dir, "memory.memsw.limit_in_bytes"))
	if c.v2 || errors.Is(err, os.ErrNotExist) {
		return
	}
	memsw, err := cgroupParseV1Memory(string(raw))
	if err != nil || memsw != memory {
		t.Fatalf("memory.memsw.limit_in_bytes = %q (%v), want the memory limit %d", raw, err, memory)
	}
}

func TestCgroupRejectsInvalidLimits(t *testing.T) {
	c := cgOpen(t, "invalid")
	for _, l := range []CgroupLimits{{CPUPercent: -1}, {CPUPercent: 0.5}, {MemoryBytes: -5}} {
		err := c.Set(l)
		if !errors.Is(err, ErrCgroupInvalidLimits) {
			t.Errorf("Set(%+v) = %v, want ErrCgroupInvalidLimits", l, err)
		} else if !strings.Contains(err.Error(), c.Path()) {
			t.Errorf("error %q does not name the cgroup %s", err, c.Path())
		}
	}
}

// A restarted daemon opens the same cgroup and finds the limits (and the
// processes) the previous one left.
func TestCgroupReopenAdoptsExisting(t *testing.T) {
	c := cgOpen(t, "adopt")
	want := CgroupLimits{CPUPercent: 25, MemoryBytes: 32 * cgMiB}
	if err := c.Set(want); err != nil {
		t.Fatal(err)
	}
	cmd := cgStart(t, "sleep 1000")
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	// cgOpen's parent is one element; on v2 <own> comes before it.
	parent, name := path.Base(path.Dir(c.Path())), path.Base(c.Path())
	again, err := OpenCgroup(parent, name)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Limits(); err != nil || got != want {
		t.Fatalf("reopened Limits() = %+v, %v; want %+v", got, err, want)
	}
	if pids, err := again.Pids(); err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Fatalf("reopened Pids() = %v, %v; want %d in it", pids, err, cmd.Process.Pid)
	}
}

func TestCgroupAddAndPids(t *testing.T) {
	c := cgOpen(t, "pids")
	cmd := cgStart(t, "sleep 1000")
	pid := cmd.Process.Pid
	if err := c.Add(pid); err != nil {
		t.Fatal(err)
	}
	pids, err := c.Pids()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pids, pid) {
		t.Fatalf("Pids() = %v, want %d in it", pids, pid)
	}
	// Path() is what the kernel shows for the process: adoption relies on it.
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), ":/"+c.Path()+"\n") {
		t.Fatalf("/proc/%d/cgroup does not show /%s:\n%s", pid, c.Path(), b)
	}
}

func TestCgroupStatsMemoryUsage(t *testing.T) {
	c := cgOpen(t, "memstat")
	// The shell keeps an 8 MB string alive in its own memory.
	cmd, release := cgStartGated(t, `x=$(head -c 8000000 /dev/zero | tr '\0' a); sleep 1000`)
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	release()
	var st CgroupStats
	cgEventually(t, 10*time.Second, "memory usage ≥ 8 MB", func() bool {
		var err error
		st, err = c.Stats()
		return err == nil && st.MemoryBytes >= 8000000
	})
	t.Logf("memory usage with an 8 MB string held: %.1f MiB", float64(st.MemoryBytes)/cgMiB)
}

// The hog is added while it waits on stdin, so everything it allocates is
// charged to the cgroup; 200 MB under 20M must end in an OOM kill.
func TestCgroupMemoryLimitOOMKills(t *testing.T) {
	c := cgOpen(t, "oom")
	if err := c.Set(CgroupLimits{MemoryBytes: 20 * cgMiB}); err != nil {
		t.Fatal(err)
	}
	before, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	cmd, release := cgStartGated(t, `head -c 200000000 /dev/zero | tail`) // bytes: busybox head has no M suffix
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	release()
	exitErr := cgWait(t, cmd, 30*time.Second)
	var exit *exec.ExitError
	if !errors.As(exitErr, &exit) {
		t.Fatalf("hog exited with %v, want a failure (its tail OOM-killed)", exitErr)
	}
	var after CgroupStats
	cgEventually(t, 10*time.Second, "OOMKills to rise", func() bool {
		after, err = c.Stats()
		return err == nil && after.OOMKills > before.OOMKills
	})
	t.Logf("hog: %v; OOMKills %d → %d", exitErr, before.OOMKills, after.OOMKills)
}

func TestCgroupCPULimitThrottles(t *testing.T) {
	c := cgOpen(t, "cpu")
	if err := c.Set(CgroupLimits{CPUPercent: 10}); err != nil {
		t.Fatal(err)
	}
	cmd, release := cgStartGated(t, `while :; do :; done`)
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	release()
	// Measuring over a fixed interval is the point here, not a wait.
	const interval = 2500 * time.Millisecond
	s0, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	time.Sleep(interval)
	s1, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	pct := (s1.CPUSeconds - s0.CPUSeconds) / time.Since(t0).Seconds() * 100
	t.Logf("busy loop at a 10%% limit used %.1f%% of one CPU over %v", pct, interval)
	// Generous bounds: above 0.5% proves it ran and was measured, below 30%
	// proves the limit held (unlimited, it would use ~100%).
	if pct < 0.5 || pct > 30 {
		t.Fatalf("CPU use %.1f%%, want about 10%%", pct)
	}
}

// The grandchild leaves the process group and the session (setsid) and is
// orphaned; only the cgroup still knows it belongs to the agent.
func TestCgroupKillAllReachesDoubleForkedProcess(t *testing.T) {
	c := cgOpen(t, "doublefork")
	pidfile := filepath.Join(t.TempDir(), "pid")
	cmd, release := cgStartGated(t, `setsid sh -c 'sleep 1000 & echo $! > "$0"' "`+pidfile+`"`)
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	release()
	if err := cgWait(t, cmd, 10*time.Second); err != nil {
		t.Fatalf("launcher: %v", err)
	}
	var orphan int
	cgEventually(t, 10*time.Second, "the orphan's pid file", func() bool {
		b, _ := os.ReadFile(pidfile)
		orphan, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return orphan > 0
	})
	if sid, _ := unix.Getsid(orphan); sid == cgSid(t) {
		t.Fatalf("orphan %d still in our session %d", orphan, sid)
	}
	if pids, _ := c.Pids(); !slices.Contains(pids, orphan) {
		t.Fatalf("Pids() = %v, want the orphan %d in it", pids, orphan)
	}
	cgKillAll(t, c)
	if alive := cgAlive(orphan); alive {
		t.Fatalf("orphan %d survived KillAll", orphan)
	}
}

// A process that keeps forking cannot outrun KillAll: the cgroup is frozen
// before each sweep.
func TestCgroupKillAllStopsForkingTree(t *testing.T) {
	c := cgOpen(t, "forker")
	cmd, release := cgStartGated(t, `while :; do sleep 1000 & sleep 0.01; done`)
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	release()
	cgEventually(t, 10*time.Second, "at least 10 processes", func() bool {
		pids, err := c.Pids()
		return err == nil && len(pids) >= 10
	})
	cgKillAll(t, c)
}

func TestCgroupDestroyRemovesDirs(t *testing.T) {
	c := cgOpen(t, "destroy")
	cmd := cgStart(t, "sleep 1000")
	if err := c.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, d := range c.mgr.GetPaths() {
		if _, err := os.Stat(d); err == nil {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no cgroup directory exists after OpenCgroup")
	}
	if err := c.Destroy(); !errors.Is(err, ErrCgroupNotEmpty) {
		t.Fatalf("Destroy with a process inside = %v, want ErrCgroupNotEmpty", err)
	}
	cgKillAll(t, c)
	if err := c.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after Destroy (%v)", d, err)
		}
	}
	if err := c.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	if err := c.Add(os.Getpid()); !errors.Is(err, ErrCgroupDestroyed) {
		t.Errorf("Add after Destroy = %v, want ErrCgroupDestroyed", err)
	}
}

// On v2 the child is born in the cgroup; on v1 there is no fd to give.
func TestCgroupFD(t *testing.T) {
	c := cgOpen(t, "fd")
	fd, err := c.FD()
	if !IsCgroupV2() {
		if !errors.Is(err, ErrCgroupNoFD) {
			t.Fatalf("FD() on v1 = %d, %v; want ErrCgroupNoFD", fd, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	cmd := exec.Command("sleep", "1000")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if pids, err := c.Pids(); err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Fatalf("Pids() = %v, %v; want %d born in it", pids, err, cmd.Process.Pid)
	}
}

func TestCgroupsAvailableHere(t *testing.T) {
	cgRequire(t)
	t.Logf("cgroups available (v2: %v)", IsCgroupV2())
}

// --- helpers -------------------------------------------------------------

func cgRequire(t *testing.T) {
	t.Helper()
	err := CgroupsAvailable()
	if err == nil {
		return
	}
	if os.Getenv("BOOTAGENT_REQUIRE_CGROUPS") == "1" {
		t.Fatalf("cgroups required (BOOTAGENT_REQUIRE_CGROUPS=1) but not usable: %v", err)
	}
	t.Skipf("cgroups not usable here, skipping (set BOOTAGENT_REQUIRE_CGROUPS=1 to fail instead): %v", err)
}

// cgOpen makes <bootagent-test-RANDOM>/name, emptied and removed with its
// parent when the test ends, so parallel and aborted runs never collide.
func cgOpen(t *testing.T, name string) *Cgroup {
	t.Helper()
	cgRequire(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	parent := "bootagent-test-" + hex.EncodeToString(b[:])
	c, err := OpenCgroup(parent, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cgScale(10*time.Second))
		defer cancel()
		if err := c.KillAll(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := c.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := RemoveCgroupParent(parent); err != nil {
			t.Errorf("cleanup: remove parent %s: %v", parent, err)
		}
	})
	return c
}

// cgStart runs a shell script as a child, reaped when the test ends.
func cgStart(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killGroup(cmd) })
	return cmd
}

// killGroup kills the test process and whatever it forked (its group), so
// no `sleep` outlives the test.
func killGroup(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
}

// cgStartGated starts a script that first waits for a line on stdin, so it
// can be added to a cgroup before it does anything; release releases it.
func cgStartGated(t *testing.T, script string) (cmd *exec.Cmd, release func()) {
	t.Helper()
	cmd = exec.Command("sh", "-c", "read _ && "+script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killGroup(cmd) })
	return cmd, func() {
		t.Helper()
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// cgWait waits for cmd to exit and returns Wait's error.
func cgWait(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(cgScale(d)):
		t.Fatalf("%v did not exit within %v", cmd.Args, cgScale(d))
		return nil
	}
}

func cgKillAll(t *testing.T, c *Cgroup) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cgScale(10*time.Second))
	defer cancel()
	start := time.Now()
	if err := c.KillAll(ctx); err != nil {
		t.Fatal(err)
	}
	pids, err := c.Pids()
	if err != nil || len(pids) != 0 {
		t.Fatalf("after KillAll: Pids() = %v, %v; want empty", pids, err)
	}
	t.Logf("KillAll emptied %s in %v", c.Path(), time.Since(start).Round(time.Millisecond))
}

// cgEventually polls cond until it holds or the (scaled) deadline passes.
func cgEventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(cgScale(d))
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", cgScale(d), what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cgScale stretches deadlines on slow machines (BOOTAGENT_TEST_SCALE=3).
func cgScale(d time.Duration) time.Duration { return testdeadline.Scale(d) }

func cgSid(t *testing.T) int {
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// cgAlive: a zombie is dead (it only waits for a parent that may never reap
// it, such as an init that does not).
func cgAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}
