package jobs

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/atomicfile"
)

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func openLedger(t *testing.T, dir string, max int) *Ledger {
	t.Helper()
	l, err := OpenLedger(dir, LedgerOptions{MaxEntries: max, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func put(t *testing.T, l *Ledger, e Entry) Entry {
	t.Helper()
	e, err := l.Put(e)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestLedgerKeepsTheWholeJobAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 0)
	taken := time.Unix(1700000000, 123456789)
	job := api.Job{ID: "j1", Action: api.ActionInstall, Name: "a", URL: "http://x/a.tgz", Checksum: "SHA256:00",
		Envs: map[string]string{"K": "v"}, Limits: api.JobLimits{CPU: "10%", Memory: "20M"}}
	put(t, l, Entry{Job: job, State: Taken, TakenAt: taken})
	put(t, l, Entry{Job: api.Job{ID: "../../etc/passwd", Action: api.ActionStop, Name: "c"}, State: Applied, DesiredHash: "H"})
	put(t, l, Entry{Job: api.Job{ID: "done", Action: api.ActionUpgrade, Name: "b"}, State: Judged,
		Result: api.JobResult{ID: "done", Errcode: 1, Message: "checksum mismatch"}})

	l = openLedger(t, dir, 0)
	e, ok := l.Get("j1")
	if !ok || e.Job.URL != job.URL || e.Job.Envs["K"] != "v" || e.Job.Limits != job.Limits || !e.TakenAt.Equal(taken) || e.State != Taken {
		t.Fatalf("after reopen j1 = %+v, %v", e, ok)
	}
	if e, _ := l.Get("done"); e.Result.Message != "checksum mismatch" || e.State != Judged {
		t.Fatalf("after reopen done = %+v", e)
	}
	u := l.Unfinished()
	if len(u) != 2 || u[0].ID() != "j1" || u[1].ID() != "../../etc/passwd" || u[1].DesiredHash != "H" {
		t.Fatalf("Unfinished after reopen = %+v", u)
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "..", "etc", "passwd")); err == nil {
		t.Fatal("an id became a path")
	}
	// A step recorded again keeps its acceptance order.
	if e := put(t, l, Entry{Job: job, State: Applied}); e.Seq != u[0].Seq {
		t.Fatalf("Seq changed from %d to %d", u[0].Seq, e.Seq)
	}
}

func TestLedgerReadsEntriesOfTheVersionBefore(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 0)
	write := func(v map[string]any) {
		data, err := atomicfile.EncodeRecord(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(l.file(v["id"].(string)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(map[string]any{"id": "p", "action": "restart", "name": "a", "state": "pending", "began": 1700000000, "seq": 1})
	write(map[string]any{"id": "d", "action": "stop", "name": "b", "state": "done", "seq": 2,
		"result": map[string]any{"id": "d", "errcode": 0, "message": "stopped"}})
	l = openLedger(t, dir, 0)
	if e, _ := l.Get("p"); e.State != Taken || e.Job.Action != "restart" || e.Job.Name != "a" || e.TakenAt.Unix() != 1700000000 {
		t.Fatalf("old pending entry = %+v", e)
	}
	if e, _ := l.Get("d"); e.State != Reported || e.Result.Message != "stopped" || e.Job.Name != "b" {
		t.Fatalf("old done entry = %+v", e)
	}
}

func TestLedgerDiscardsTornEntries(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 0)
	put(t, l, Entry{Job: api.Job{ID: "ok", Action: api.ActionStop, Name: "a"}, State: Taken})
	torn := filepath.Join(dir, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json")
	os.WriteFile(torn, []byte(`{"crc32c":12,"item":{"job":{"id":"x"`), 0o600)
	os.WriteFile(filepath.Join(dir, ".tmp-x.json-1"), []byte("{"), 0o600)
	// A complete entry under the wrong name (copied by hand): not trusted.
	data, _ := atomicfile.EncodeRecord(Entry{Job: api.Job{ID: "other"}, State: Reported})
	misnamed := filepath.Join(dir, "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.json")
	os.WriteFile(misnamed, data, 0o600)

	l = openLedger(t, dir, 0)
	if l.Len() != 1 {
		t.Fatalf("Len = %d, want only the good entry", l.Len())
	}
	if _, ok := l.Get("ok"); !ok {
		t.Fatal("good entry lost")
	}
	if n := countFiles(t, dir); n != 1 {
		t.Fatalf("%d files left, want 1", n)
	}
}

func TestLedgerBound(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 3)
	put(t, l, Entry{Job: api.Job{ID: "pending-old", Action: api.ActionStop, Name: "a"}, State: Applied})
	put(t, l, Entry{Job: api.Job{ID: "unacked-old", Action: api.ActionStop, Name: "a"}, State: Judged})
	for i := range 5 {
		id := fmt.Sprintf("j%d", i)
		put(t, l, Entry{Job: api.Job{ID: id, Action: api.ActionStop, Name: "a"}, State: Reported})
	}
	// Oldest reported jobs are forgotten; an unfinished or unacknowledged
	// one never is.
	for id, want := range map[string]bool{"pending-old": true, "unacked-old": true, "j0": false, "j1": false, "j2": false, "j3": false, "j4": true} {
		if _, ok := l.Get(id); ok != want {
			t.Errorf("%s remembered = %v, want %v", id, ok, want)
		}
	}
	if n := countFiles(t, dir); n != l.Len() {
		t.Fatalf("%d files for %d entries", n, l.Len())
	}
	// The order survives a restart: the next prune still drops the oldest.
	l = openLedger(t, dir, 3)
	put(t, l, Entry{Job: api.Job{ID: "unacked-old"}, State: Reported})
	put(t, l, Entry{Job: api.Job{ID: "j5"}, State: Reported})
	if _, ok := l.Get("unacked-old"); ok {
		t.Error("after reopen the oldest reported job was kept")
	}
	if _, ok := l.Get("j5"); !ok {
		t.Error("newest job pruned")
	}
}
