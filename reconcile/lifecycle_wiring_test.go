package reconcile

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/testlog"
)

// A process recorded by a bootagent that kept no memory (an older version,
// or a lost memory file) is what a failed upgrade leaves running: it must
// not be declared fatal while it runs.
func TestAdoptedWithoutMemoryKeepsRunningOnFailedInstall(t *testing.T) {
	dir := t.TempDir()
	opts := Options{StateDir: dir, StopGrace: time.Second,
		Policy: desired.RestartPolicy{Window: desired.Duration(time.Hour), MaxFailures: 3}}
	r1 := New(opts)
	r1.SetDesired(set(desired.Doc{Name: "a", Command: []string{"sleep", "300"}}))
	a := waitAgent(t, r1, "a", actual.Agent.Running)
	t.Cleanup(func() { syscall.Kill(-a.Pid, syscall.SIGKILL) })
	r1.Shutdown(false)
	if err := os.RemoveAll(filepath.Join(dir, "memory")); err != nil {
		t.Fatal(err)
	}

	pkg := filepath.Join(dir, "a-2.0.tar.gz")
	if err := os.WriteFile(pkg, []byte("not what the checksum says"), 0o644); err != nil {
		t.Fatal(err)
	}
	store, err := fetch.NewStore(dir, fetch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Packages = store
	r2 := New(opts)
	t.Cleanup(func() { r2.Shutdown(true) })
	r2.AdoptRecorded()
	r2.SetDesired(set(desired.Doc{Name: "a", Version: "2.0", Package: &desired.Package{
		URL: pkg, Checksum: "SHA256:" + strings.Repeat("1", 64)}}))
	got := waitAgent(t, r2, "a", func(a actual.Agent) bool { return a.BadHash != "" })
	if got.Status != actual.Running || got.Pid != a.Pid {
		t.Fatalf("after a failed install: status %s pid %d, want running pid %d (message %q)", got.Status, got.Pid, a.Pid, got.Message)
	}
	if !strings.Contains(got.Message, "checksum mismatch") {
		t.Fatalf("message = %q, want it to name the checksum mismatch", got.Message)
	}
}

// A restart asked for while the process can no longer be made (its
// command vanished) keeps the running process and is done with: it is not
// asked again and again.
func TestRestartOfUnrunnableDocIsNotRetriedForever(t *testing.T) {
	var logs testlog.Buffer
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\nexec sleep 300\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := New(Options{StateDir: dir, StopGrace: time.Second,
		Policy: desired.RestartPolicy{Window: desired.Duration(time.Hour), MaxFailures: 3},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	t.Cleanup(func() { r.Shutdown(true) })
	r.SetDesired(set(desired.Doc{Name: "a", Command: []string{prog}}))
	a := waitAgent(t, r, "a", actual.Agent.Running)
	if err := os.Remove(prog); err != nil {
		t.Fatal(err)
	}
	if err := r.Restart("a"); err != nil {
		t.Fatal(err)
	}
	got := waitAgent(t, r, "a", func(a actual.Agent) bool { return strings.Contains(a.Message, "command not found") })
	if got.Pid != a.Pid || got.RestartRequested {
		t.Fatalf("pid %d restart requested %v, want pid %d and the request done with", got.Pid, got.RestartRequested, a.Pid)
	}
	if n := strings.Count(logs.String(), "target cannot run"); n != 1 {
		t.Fatalf("the unrunnable restart was tried %d times, want once", n)
	}
}
