package supervise

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cgSpec is a spec whose environment makes a use of the blocked-start
// helper visible (helperRanEnv), with its log in a temp dir.
func cgSpec(t *testing.T, name string, c *Cgroup, command ...string) (Spec, string) {
	t.Helper()
	dir := t.TempDir()
	env := append(BuildEnv(name, Identity{Home: "/", User: "root"}), helperRanEnv+"="+filepath.Join(dir, "helper-ran"))
	return Spec{Name: name, Command: command, Dir: dir, LogPath: filepath.Join(dir, "log"), Cgroup: c, Env: env}, dir
}

// cgNoHelper fails the test if a start with a spec from dir used the helper.
func cgNoHelper(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "helper-ran")); err == nil {
		t.Fatal("the start re-executed the blocked-start helper")
	}
}

// cgRunToExit starts spec, waits for a zero exit and returns the log.
func cgRunToExit(t *testing.T, spec Spec) string {
	t.Helper()
	p, err := Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(cgScale(10 * time.Second)):
		t.Fatalf("%v did not exit", spec.Command)
	}
	log, _ := os.ReadFile(spec.LogPath)
	if st := p.Exit(); st.Code != 0 {
		t.Fatalf("%v: exit %v, log: %s", spec.Command, st, log)
	}
	return string(log)
}

// cgLinesNotIn lists the lines of a /proc/PID/cgroup text whose path is not
// want.
func cgLinesNotIn(text, want string) []string {
	var bad []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && parts[1] == "devices" {
			continue // not restricted, so never created (SkipDevices)
		}
		if len(parts) != 3 || parts[2] != want {
			bad = append(bad, line)
		}
	}
	return bad
}

// The program itself reads /proc/self/cgroup: its first instruction
// already runs in the agent's cgroup, in every hierarchy, and no helper
// was exec'd to get it there.
func TestStartBornInItsCgroupEverywhere(t *testing.T) {
	c := cgOpen(t, "born")
	spec, dir := cgSpec(t, "born", c, "/bin/cat", "/proc/self/cgroup")
	log := cgRunToExit(t, spec)
	cgNoHelper(t, dir)
	if bad := cgLinesNotIn(log, "/"+c.Path()); len(bad) > 0 {
		t.Fatalf("hierarchies where the program did not start in /%s: %q\nwhole file:\n%s", c.Path(), bad, log)
	}
}

// The memory limit holds from the first instruction: the program reads its
// own memory cgroup's limit (v1 memory.limit_in_bytes; v2 memory.max).
func TestStartMemoryLimitFromFirstInstruction(t *testing.T) {
	c := cgOpen(t, "memfirst")
	if err := c.Set(CgroupLimits{MemoryBytes: 48 * cgMiB}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(c.dir, "memory.limit_in_bytes")
	if c.v2 {
		file = filepath.Join(c.dir, "memory.max")
	}
	// The program's own cgroup, as the kernel shows it to the program.
	spec, dir := cgSpec(t, "memfirst", c, "/bin/cat", "/proc/self/cgroup", file)
	log := cgRunToExit(t, spec)
	cgNoHelper(t, dir)
	if !strings.Contains(log, "memory:/"+c.Path()+"\n") && !strings.Contains(log, "0::/"+c.Path()+"\n") {
		t.Fatalf("the program's memory cgroup is not %s:\n%s", c.Path(), log)
	}
	if !strings.HasSuffix(log, "50331648\n") {
		t.Fatalf("limit seen by the program's cgroup is not 48 MiB:\n%s", log)
	}
}

// Many concurrent starts into different cgroups: each child is in its own
// agent's cgroup, none in another's, and afterwards every thread of this
// process is back in the cgroups it started in.
func TestStartConcurrentThreadsComeBack(t *testing.T) {
	before, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	const agents, rounds = 8, 5
	cgs := make([]*Cgroup, agents)
	for i := range cgs {
		cgs[i] = cgOpen(t, "conc"+string(rune('a'+i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, agents*rounds)
	for i, c := range cgs {
		for r := 0; r < rounds; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				spec, dir := cgSpec(t, "conc", c, "/bin/cat", "/proc/self/cgroup")
				spec.LogPath = filepath.Join(dir, "log")
				p, err := Start(spec)
				if err != nil {
					errs <- err
					return
				}
				<-p.Done()
				log, _ := os.ReadFile(spec.LogPath)
				if bad := cgLinesNotIn(string(log), "/"+c.Path()); len(bad) > 0 {
					errs <- errors.New("agent " + string(rune('a'+i)) + " started outside /" + c.Path() + ": " + strings.Join(bad, " "))
				}
				if _, err := os.Stat(filepath.Join(dir, "helper-ran")); err == nil {
					errs <- errors.New("a start used the helper")
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/cgroup")
	for _, f := range tasks {
		got, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended meanwhile
		}
		if string(got) != string(before) {
			t.Errorf("%s after the starts:\n%s\nwant the process's cgroups from before:\n%s", f, got, before)
		}
	}
}

// cgUnified makes a cgroup in the v2 tree of a hybrid host
// (/sys/fs/cgroup/unified: real cgroup2, no controllers) and returns it as
// a v2 Cgroup, so the v2 start path is tested on a v1 machine too.
func cgUnified(t *testing.T) *Cgroup {
	t.Helper()
	cgRequire(t)
	const root = "/sys/fs/cgroup/unified"
	if IsCgroupV2() {
		t.Skip("a v2-only host tests the v2 path with cgOpen")
	}
	if fi, err := os.Stat(root + "/cgroup.procs"); err != nil || fi.IsDir() {
		t.Skipf("no unified cgroup v2 tree at %s on this hybrid host", root)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	rel := "bootagent-test-" + hex.EncodeToString(b[:])
	dir := filepath.Join(root, rel)
	// By hand: the library's v2 manager wants controllers at
	// /sys/fs/cgroup, and the clone path needs only the directory.
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The children exited; a zombie-free cgroup can be removed.
		deadline := time.Now().Add(cgScale(5 * time.Second))
		for os.Remove(dir) != nil && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	})
	return &Cgroup{rel: rel, v2: true, dir: dir, cpuDir: dir}
}

// CLONE_INTO_CGROUP: a v2 child is created by the kernel inside the cgroup.
func TestStartV2ClonesIntoCgroup(t *testing.T) {
	c := cgUnified(t)
	spec, dir := cgSpec(t, "v2", c, "/bin/cat", "/proc/self/cgroup")
	log := cgRunToExit(t, spec)
	cgNoHelper(t, dir)
	if !strings.Contains(log, "0::/"+c.rel+"\n") {
		t.Fatalf("not born in %s:\n%s", c.dir, log)
	}
}
