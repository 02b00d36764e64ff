package supervise

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startSh(t *testing.T, script string) (*Process, string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "agent.log")
	p, err := Start(Spec{
		Name:    "t",
		Command: []string{"sh", "-c", script},
		Env:     BuildEnv("t", Identity{Home: "/root", User: "root"}, map[string]string{"GREETING": "hello"}),
		Dir:     dir,
		LogPath: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(time.Second) })
	return p, log
}

func waitDone(t *testing.T, p *Process) ExitStatus {
	t.Helper()
	select {
	case <-p.Done():
		return p.Exit()
	case <-time.After(10 * time.Second):
		t.Fatal("process did not exit")
		return ExitStatus{}
	}
}

func TestStartExitCodeEnvAndLog(t *testing.T) {
	p, log := startSh(t, `echo "$GREETING from $(pwd)"; echo oops >&2; exit 7`)
	st := waitDone(t, p)
	if !st.Known || st.Code != 7 || !st.Abnormal() {
		t.Fatalf("exit = %+v, want code 7", st)
	}
	b, _ := os.ReadFile(log)
	if !strings.Contains(string(b), "hello from "+filepath.Dir(log)) || !strings.Contains(string(b), "oops") {
		t.Fatalf("log = %q", b)
	}
}

func TestExitBySignalIs128PlusSignal(t *testing.T) {
	p, _ := startSh(t, `kill -9 $$`)
	st := waitDone(t, p)
	if st.Signal != syscall.SIGKILL || st.Code != 137 {
		t.Fatalf("exit = %+v, want SIGKILL/137", st)
	}
}

func TestOwnProcessGroup(t *testing.T) {
	p, _ := startSh(t, `sleep 30`)
	pgid, err := syscall.Getpgid(p.Pid)
	if err != nil || pgid != p.Pid {
		t.Fatalf("pgid = %d (%v), want %d", pgid, err, p.Pid)
	}
}

func TestStopKillsWholeGroup(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "child")
	p, _ := startSh(t, `sleep 300 & echo $! > `+pidfile+`; wait`)
	child := waitPidfile(t, pidfile)
	p.Stop(5 * time.Second)
	if processLive(child) {
		t.Fatalf("grandchild %d still alive after Stop", child)
	}
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	p, _ := startSh(t, `trap '' TERM; touch `+ready+`; while :; do sleep 1; done`)
	waitFile(t, ready)
	st := p.Stop(200 * time.Millisecond)
	if st.Signal != syscall.SIGKILL {
		t.Fatalf("exit = %+v, want SIGKILL after the grace period", st)
	}
}

func TestCommandNotFound(t *testing.T) {
	_, err := Start(Spec{Name: "x", Command: []string{"no-such-program-here"}, Dir: t.TempDir(), LogPath: filepath.Join(t.TempDir(), "l")})
	if !errors.Is(err, ErrCommandNotFound) {
		t.Fatalf("err = %v, want ErrCommandNotFound", err)
	}
}

func TestRunsAsNobody(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to switch users")
	}
	id, err := LookupIdentity("nobody", "")
	if err != nil {
		t.Skipf("no nobody user: %v", err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	log := filepath.Join(dir, "l")
	p, err := Start(Spec{Name: "n", Command: []string{"id", "-u"}, Env: BuildEnv("n", id, nil), Dir: "/", Ident: id, LogPath: log})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, p)
	b, _ := os.ReadFile(log)
	if strings.TrimSpace(string(b)) != strconv.Itoa(int(id.Cred.Uid)) {
		t.Fatalf("id -u printed %q, want %d", b, id.Cred.Uid)
	}
}

func TestUnknownUser(t *testing.T) {
	if _, err := LookupIdentity("no-such-user-xyz", ""); err == nil || !strings.Contains(err.Error(), "no-such-user-xyz") {
		t.Fatalf("err = %v, want one naming the user", err)
	}
	if _, err := LookupIdentity("", "no-such-group-xyz"); err == nil || !strings.Contains(err.Error(), "no-such-group-xyz") {
		t.Fatalf("err = %v, want one naming the group", err)
	}
}

func TestAdoptedExitIsSeen(t *testing.T) {
	// A process that is not our child (here: reparented grandchild) is
	// watched through pidfd_open; its exit is seen though its status is not.
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "gc")
	p, _ := startSh(t, `(sleep 300 & echo $! > `+pidfile+`) ; sleep 300`)
	gc := waitPidfile(t, pidfile)
	w := watch(gc, -1, false, time.Now())
	syscall.Kill(gc, syscall.SIGTERM)
	select {
	case <-w.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("exit of a non-child not seen")
	}
	if w.Exit().Known {
		t.Fatal("a non-child's status cannot be known")
	}
	_ = p
}

func TestRotateAndTail(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "a.log")
	os.WriteFile(log, []byte(strings.Repeat("line\n", 100)+"last one\n"), 0o644)
	rotated, err := RotateIfLarger(log, 100, 2)
	if err != nil || !rotated {
		t.Fatalf("rotated=%v err=%v", rotated, err)
	}
	if fi, _ := os.Stat(log); fi.Size() != 0 {
		t.Fatal("log not truncated")
	}
	if got := Tail(log+".1", 2); got != "line\nlast one" {
		t.Fatalf("tail = %q", got)
	}
	os.WriteFile(log, []byte(strings.Repeat("x", 200)), 0o644)
	RotateIfLarger(log, 100, 2)
	os.WriteFile(log, []byte(strings.Repeat("y", 200)), 0o644)
	RotateIfLarger(log, 100, 2)
	if _, err := os.Stat(log + ".3"); !os.IsNotExist(err) {
		t.Fatal("more than keep files kept")
	}
	b, _ := os.ReadFile(log + ".2")
	if !strings.HasPrefix(string(b), "x") {
		t.Fatalf(".2 = %q, want the older rotation", b[:10])
	}
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
}

func waitPidfile(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", path)
	return 0
}

// A group whose members all die on SIGTERM is stopped at once, even when a
// member is left a zombie (its parent died first; init reaps it later):
// Stop must not wait out the grace period for it.
func TestStopDoesNotWaitForZombies(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "child")
	p, _ := startSh(t, `sleep 300 & echo $! > `+pidfile+`; while :; do sleep 1; done`)
	waitPidfile(t, pidfile)
	done := make(chan struct{})
	go func() { p.Stop(time.Minute); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Stop waited for the grace period although the whole group died on SIGTERM")
	}
}

func TestGroupAliveIgnoresOtherGroups(t *testing.T) {
	p, _ := startSh(t, `sleep 300`)
	if !groupAlive(p.Pid) {
		t.Fatal("a running group is not alive")
	}
	if groupAlive(1 << 22) { // no such pgid
		t.Fatal("a pgid no process has is alive")
	}
}

// processLive: the pid exists and is not a zombie (an orphan's zombie waits
// for init to reap it, which on some machines takes a while).
func processLive(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && st.state != 'Z'
}
