package supervise

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestSameBoot(t *testing.T) {
	tests := []struct {
		name       string
		recorded   string
		current    string
		currentErr error
		ok         bool
	}{
		{name: "same boot", recorded: "b1", current: "b1", ok: true},
		{name: "another boot", recorded: "b0", current: "b1"},
		{name: "record from before boot ids", recorded: "", current: "b1", ok: true},
		{name: "this boot unknown", recorded: "b1", currentErr: errors.New("no /proc")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := sameBoot(tc.recorded, tc.current, tc.currentErr)
			if (err == nil) != tc.ok {
				t.Fatalf("sameBoot(%q, %q, %v) = %v, want ok %v", tc.recorded, tc.current, tc.currentErr, err, tc.ok)
			}
		})
	}
}

// After a reboot a pid can come back with the same start time: a record of
// another boot is refused even when both match.
func TestAdoptRefusesARecordOfAnotherBoot(t *testing.T) {
	boot, err := BootID()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killGroup(cmd) })
	pid := cmd.Process.Pid
	st, err := ProcStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	rec := Recorded{Pid: pid, StartTime: st, StartedAt: time.Now(), BootID: "5b3f0c2e-0000-4000-8000-000000000000"}
	if _, err := Adopt(rec); !errors.Is(err, ErrNotAdoptable) {
		t.Fatalf("Adopt of a record of another boot = %v, want ErrNotAdoptable", err)
	}
	rec.BootID = boot
	p, err := Adopt(rec)
	if err != nil {
		t.Fatalf("Adopt of the same process recorded in this boot: %v", err)
	}
	if p.Pid != pid || p.Exited() {
		t.Fatalf("adopted %+v, want pid %d running", p, pid)
	}
}
