package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/internal/testdeadline"
)

func TestServicesAdd(t *testing.T) {
	sh, sleep := []byte("/bin/sh\x00./run\x00"), []byte("sleep\x001000001\x00")
	tests := []struct {
		name   string
		events []execEvent
		want   map[int]time.Duration // service -> since
	}{
		{name: "sh then sleep", events: []execEvent{{pid: 7, cmdline: sh, at: 10}, {pid: 7, cmdline: sleep, at: 12}}, want: map[int]time.Duration{1: 12}},
		{name: "sleep read already at the sh's exec: the later exec counts", events: []execEvent{{pid: 7, cmdline: sleep, at: 10}, {pid: 7, cmdline: sleep, at: 12}}, want: map[int]time.Duration{1: 12}},
		{name: "a new process for the service replaces the old", events: []execEvent{{pid: 7, cmdline: sleep, at: 12}, {pid: 9, cmdline: sleep, at: 40}}, want: map[int]time.Duration{1: 40}},
		{name: "other programs are no service", events: []execEvent{{pid: 7, cmdline: sh, at: 10}, {pid: 8, cmdline: []byte("sleep\x0099\x00"), at: 12}}, want: map[int]time.Duration{}},
		{name: "the same sleep outside the peer's tree is not the service", events: []execEvent{{pid: 666, cmdline: sleep, at: 10}}, want: map[int]time.Duration{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServices(5)
			s.mine = func(pid int) bool { return pid != 666 }
			for _, e := range tt.events {
				s.add(e)
			}
			if len(s.since) != len(tt.want) {
				t.Fatalf("since = %v, want %v", s.since, tt.want)
			}
			for i, at := range tt.want {
				if s.since[i] != at {
					t.Fatalf("since = %v, want %v", s.since, tt.want)
				}
			}
		})
	}
}

// TestExecWatchSeesSleep: a real exec of `sleep TOKEN` is reported, with a
// kernel timestamp between the moment before the start and the event's
// arrival (the kernel stamps the end of the exec, just after Start has
// returned).
func TestExecWatchSeesSleep(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the process events connector needs root")
	}
	w, err := newExecWatch()
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	before := monotonic()
	cmd := exec.Command("sleep", "1000003")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	s := newServices(5)
	deadline := time.After(testdeadline.Scale(10 * time.Second))
	for s.running[3] != cmd.Process.Pid {
		select {
		case e := <-w.events:
			s.add(e)
		case <-deadline:
			t.Fatal("no exec event for the sleep")
		}
	}
	if at, now := s.since[3], monotonic(); at < before || at > now {
		t.Fatalf("exec stamped %v, want between %v and %v", at, before, now)
	}
}

func TestDescendsFrom(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 1000004 & wait")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	deadline := time.Now().Add(testdeadline.Scale(10 * time.Second))
	var grandchild int
	for grandchild == 0 {
		for _, p := range descendants(cmd.Process.Pid) {
			if tokenOf(readCmdline(p), 5) == 4 {
				grandchild = p
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the shell's sleep never appeared")
		}
		time.Sleep(time.Millisecond)
	}
	defer syscallKill(grandchild)
	if !descendsFrom(grandchild, os.Getpid()) || !descendsFrom(grandchild, cmd.Process.Pid) {
		t.Fatalf("pid %d: not seen below the test (%d) and its shell (%d)", grandchild, os.Getpid(), cmd.Process.Pid)
	}
	if descendsFrom(os.Getpid(), cmd.Process.Pid) {
		t.Fatal("the test process seen below its own child")
	}
}

func syscallKill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
