package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// requireCgroups skips where cgroups cannot be used, unless
// BOOTAGENT_REQUIRE_CGROUPS=1 makes that a failure.
func requireCgroups(t *testing.T) {
	t.Helper()
	if err := supervise.CgroupsAvailable(); err != nil {
		if os.Getenv("BOOTAGENT_REQUIRE_CGROUPS") == "1" {
			t.Fatalf("cgroups required but not usable: %v", err)
		}
		t.Skipf("cgroups not usable here: %v", err)
	}
}

// testCgroupParent is a parent cgroup of the test's own, removed at the
// end (its agents' cgroups must be gone by then).
func testCgroupParent(t *testing.T) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	parent := "bootagent-test-" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		if err := supervise.RemoveCgroupParent(parent); err != nil {
			t.Errorf("remove cgroup parent %s: %v", parent, err)
		}
	})
	return parent
}

// strayHolding puts a process holding mib MiB of anonymous memory into cg
// (a leftover of a run no record adopted) and waits until it is charged.
func strayHolding(t *testing.T, cg *supervise.Cgroup, mib int) *exec.Cmd {
	t.Helper()
	// dd fills its buffer, then blocks writing to sleep, which never reads.
	cmd := exec.Command("sh", "-c", "read _ && dd if=/dev/zero bs="+strconv.Itoa(mib)+"M count=1 2>/dev/null | sleep 300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	if err := cg.Add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(testDeadline())
	for {
		st, err := cg.Stats()
		if err == nil && st.MemoryBytes >= uint64(mib-4)<<20 {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("stray never held %d MiB in %s: %+v, %v", mib, cg, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An agent started into a cgroup that still holds more memory than its new
// limit (a stray of an earlier run) starts: the stray is killed and its
// memory reclaimed before the limit is written. Written first, the limit
// fails with EBUSY on v1 and the agent goes fatal.
func TestStartKillsStraysBeforeLoweringTheMemoryLimit(t *testing.T) {
	requireCgroups(t)
	parent := testCgroupParent(t)
	cg, err := supervise.OpenCgroup(parent, "tight")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testDeadline())
		defer cancel()
		_ = cg.KillAll(ctx)
		_ = cg.Destroy()
	})
	stray := strayHolding(t, cg, 48)

	r := New(Options{StateDir: t.TempDir(), CgroupParent: parent, StopGrace: time.Second,
		Policy: desired.RestartPolicy{Delay: 0, Window: desired.Duration(time.Hour), MaxFailures: 3}})
	t.Cleanup(func() { r.Shutdown(true) })
	r.SetDesired(set(desired.Doc{Name: "tight", Command: []string{"sleep", "300"}, Limits: desired.Limits{Memory: "20M"}}))
	a := waitAgent(t, r, "tight", func(a actual.Agent) bool { return a.Status == actual.Running || a.Status == actual.Fatal })
	if a.Status != actual.Running {
		t.Fatalf("agent is %s: %s", a.Status, a.Message)
	}
	if processAlive(stray.Process.Pid) {
		t.Fatalf("stray %d still alive beside the agent", stray.Process.Pid)
	}
	l, err := cg.Limits()
	if err != nil || l.MemoryBytes != 20<<20 {
		t.Fatalf("limits read back %+v, %v; want memory 20M", l, err)
	}
}

// processAlive: a zombie (the stray's shell, not reaped yet) is dead.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] != 'Z'
}
