package api

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func openLedger(t *testing.T, dir string, max int) *JobLedger {
	t.Helper()
	l, err := OpenJobLedger(dir, LedgerOptions{MaxEntries: max, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLedgerBeginFinishSeen(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 0)

	isNew, err := l.Begin("j1", ActionInstall, "BasicAgent")
	if err != nil || !isNew {
		t.Fatalf("first Begin = %v, %v", isNew, err)
	}
	// Re-delivered while running: not new, and no result to re-send yet.
	if isNew, err := l.Begin("j1", ActionInstall, "BasicAgent"); err != nil || isNew {
		t.Fatalf("second Begin = %v, %v; want not new", isNew, err)
	}
	if _, ok := l.Seen("j1"); ok {
		t.Fatal("Seen reports a result for a pending job")
	}

	want := JobResult{ID: "j1", Errcode: 0, Message: "running 1.2.3"}
	if err := l.Finish(want); err != nil {
		t.Fatal(err)
	}
	if got, ok := l.Seen("j1"); !ok || got != want {
		t.Fatalf("Seen = %+v, %v", got, ok)
	}
	if isNew, _ := l.Begin("j1", ActionInstall, "BasicAgent"); isNew {
		t.Fatal("a finished job is new again")
	}

	// A rejected job never begun is finished directly.
	if err := l.Finish(JobResult{ID: "bad", Errcode: 2, Message: "invalid"}); err != nil {
		t.Fatal(err)
	}
	if isNew, _ := l.Begin("bad", "", ""); isNew {
		t.Fatal("a recorded job is new again")
	}
}

func TestLedgerSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 0)
	l.Begin("done", ActionUpgrade, "a")
	l.Finish(JobResult{ID: "done", Errcode: 1, Message: "checksum mismatch"})
	l.Begin("running", ActionRestart, "b")
	l.Begin("../../etc/passwd", ActionStop, "c") // an id is never a path

	l = openLedger(t, dir, 0)
	if r, ok := l.Seen("done"); !ok || r.Message != "checksum mismatch" || r.Errcode != 1 {
		t.Fatalf("after reopen Seen = %+v, %v", r, ok)
	}
	p := l.Pending()
	if len(p) != 2 || p[0].ID != "running" || p[0].Action != ActionRestart || p[0].Name != "b" || p[1].ID != "../../etc/passwd" {
		t.Fatalf("Pending after reopen = %+v", p)
	}
	if isNew, _ := l.Begin("running", ActionRestart, "b"); isNew {
		t.Fatal("a job running at the crash would run twice")
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "..", "etc", "passwd")); err == nil {
		t.Fatal("an id became a path")
	}
}

func TestLedgerDiscardsTornEntries(t *testing.T) {
	dir := t.TempDir()
	l := openLedger(t, dir, 0)
	l.Begin("ok", ActionStop, "a")
	torn := filepath.Join(dir, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json")
	os.WriteFile(torn, []byte(`{"crc32c":12,"item":{"id":"x"`), 0o600)
	os.WriteFile(filepath.Join(dir, ".tmp-x.json-1"), []byte("{"), 0o600)
	// A complete entry under the wrong name (copied by hand): not trusted.
	data, _ := encodeRecord(LedgerEntry{ID: "other", State: LedgerDone})
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
	l.Begin("pending-old", ActionStop, "a")
	for i := range 5 {
		id := fmt.Sprintf("j%d", i)
		l.Begin(id, ActionStop, "a")
		l.Finish(JobResult{ID: id})
	}
	// Oldest finished jobs are forgotten; a pending one never is.
	for id, want := range map[string]bool{"pending-old": true, "j0": false, "j1": false, "j2": false, "j3": true, "j4": true} {
		if _, ok := l.Get(id); ok != want {
			t.Errorf("%s remembered = %v, want %v", id, ok, want)
		}
	}
	if n := countFiles(t, dir); n != l.Len() {
		t.Fatalf("%d files for %d entries", n, l.Len())
	}
	// The order survives a restart: the next prune still drops the oldest.
	l = openLedger(t, dir, 3)
	if err := l.Finish(JobResult{ID: "j5"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Get("j3"); ok {
		t.Error("after reopen the oldest finished job was kept")
	}
	if _, ok := l.Get("j5"); !ok {
		t.Error("newest job pruned")
	}
}
