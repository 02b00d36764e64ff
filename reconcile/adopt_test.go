package reconcile

import (
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// A run record names pid and start time, which repeat across reboots: one
// written in another boot is not adopted even when both match a live
// process, and it is discarded. The same record stamped with this boot's
// id (as Save does) is adopted.
func TestAdoptRefusesARecordOfAnotherBoot(t *testing.T) {
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	st, err := supervise.ProcStartTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	doc := desired.Doc{Name: "sleeper", Command: []string{"sleep", "300"}}
	rec := actual.Record{Name: "sleeper", Pid: cmd.Process.Pid, StartTime: st, StartedAt: time.Now(),
		ProcessHash: doc.ProcessHash(), AppliedHash: doc.Hash(), Doc: doc,
		BootID: "5b3f0c2e-0000-4000-8000-000000000000"}

	r := newTestReconciler(t)
	recs := r.records()
	if err := recs.Save(rec); err != nil {
		t.Fatal(err)
	}
	r.AdoptRecorded()
	if len(r.Agents()) != 0 {
		t.Fatalf("adopted a record of another boot: %+v", r.Agents())
	}
	if again, _ := recs.Load(); len(again) != 0 {
		t.Fatal("the record of another boot was kept")
	}

	r2 := New(Options{StateDir: t.TempDir(), StopGrace: time.Second})
	t.Cleanup(func() { r2.Shutdown(false) })
	rec.BootID = ""
	if err := r2.records().Save(rec); err != nil {
		t.Fatal(err)
	}
	if loaded, _ := r2.records().Load(); len(loaded) != 1 || loaded[0].BootID == "" {
		t.Fatalf("Save did not stamp the boot id: %+v", loaded)
	}
	r2.AdoptRecorded()
	if a := r2.Agents(); len(a) != 1 || a[0].Pid != cmd.Process.Pid || a[0].Status != actual.Running {
		t.Fatalf("the record of this boot was not adopted: %+v", a)
	}
}
