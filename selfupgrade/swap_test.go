package selfupgrade

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Swap keeps the previous binary; Restore puts it back; both leave exe
// runnable (mode 0755) at every step.
func TestSwapRestore(t *testing.T) {
	dir := t.TempDir()
	exe, download := filepath.Join(dir, "bootagent"), filepath.Join(dir, "download")
	write(t, exe, "old")
	write(t, download, "new")
	os.Chmod(download, 0o600) // as downloaded: Stage makes it executable
	staged, err := Stage(download, exe)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(staged); fi.Mode().Perm() != 0o755 || filepath.Dir(staged) != dir {
		t.Fatalf("staged %s mode %v", staged, fi.Mode())
	}
	prev := PrevPath(exe)
	if err := Swap(exe, prev, staged); err != nil {
		t.Fatal(err)
	}
	if read(t, exe) != "new" || read(t, prev) != "old" {
		t.Fatalf("after swap: exe %q prev %q", read(t, exe), read(t, prev))
	}
	if _, err := os.Stat(staged); !os.IsNotExist(err) {
		t.Errorf("staged file left behind: %v", err)
	}
	if err := Restore(exe, prev); err != nil {
		t.Fatal(err)
	}
	if read(t, exe) != "old" || read(t, prev) != "old" {
		t.Fatalf("after restore: exe %q prev %q", read(t, exe), read(t, prev))
	}
	if fi, _ := os.Stat(exe); fi.Mode().Perm() != 0o755 {
		t.Errorf("restored exe mode %v", fi.Mode())
	}
}

func TestCheckRuns(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, script string
		ok           bool
	}{
		{"a bootagent", "#!/bin/sh\necho bootagent-2.0.0-x86_64\n", true},
		{"not bootagent", "#!/bin/sh\necho hello\n", false},
		{"fails", "#!/bin/sh\nexit 3\n", false},
		{"not executable here", "\x7fELF garbage", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			write(t, p, tt.script)
			v, err := CheckRuns(t.Context(), p)
			if (err == nil) != tt.ok {
				t.Errorf("CheckRuns = %q, %v; want ok %v", v, err, tt.ok)
			}
		})
	}
}

// Of two parties ending one trial at once, exactly one wins.
func TestTransitionOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.json")
	if err := Save(path, Record{State: Trying}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wins := make(chan State, 20)
	for i := 0; i < 20; i++ {
		to := Healthy
		if i%2 == 1 {
			to = Reverted
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, won, err := Transition(path, to, "r", time.Now()); err != nil {
				t.Error(err)
			} else if won {
				wins <- to
			}
		}()
	}
	wg.Wait()
	close(wins)
	var got []State
	for s := range wins {
		got = append(got, s)
	}
	rec, _, _ := Load(path)
	if len(got) != 1 || rec.State != got[0] {
		t.Fatalf("winners %v, record %s", got, rec.State)
	}
}

// A trial no process is on any more (the daemon restarted before it was
// healthy) is reverted and the previous binary restored; other states are
// left alone.
func TestSettleStale(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "bootagent")
	write(t, exe, "new")
	write(t, PrevPath(exe), "old")
	path := filepath.Join(dir, "rec.json")
	for _, st := range []State{Healthy, Reverted} {
		Save(path, Record{State: st, Exe: exe, Prev: PrevPath(exe)})
		if _, ok, err := SettleStale(path, time.Now()); ok || err != nil {
			t.Fatalf("%s trial settled again: %v %v", st, ok, err)
		}
	}
	Save(path, Record{State: Trying, Exe: exe, Prev: PrevPath(exe), ToVersion: "b", FromVersion: "a"})
	rec, ok, err := SettleStale(path, time.Now())
	if !ok || err != nil || rec.State != Reverted || read(t, exe) != "old" {
		t.Fatalf("SettleStale = %+v %v %v; exe %q", rec, ok, err, read(t, exe))
	}
	if disk, _, _ := Load(path); disk.State != Reverted || disk.Reason == "" {
		t.Fatalf("record on disk: %+v", disk)
	}
}
