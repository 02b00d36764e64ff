package selfupgrade

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Revert restores the previous binary before the record says Reverted, so
// whoever reads Reverted finds the previous binary in place; a restore that
// fails leaves the trial on, to be tried again.
func TestRevertRestoresBeforeRecording(t *testing.T) {
	for _, tt := range []struct {
		name      string
		prev      bool // the previous binary exists
		wantWon   bool
		wantState State
		wantExe   string
	}{
		{name: "restored, then reverted", prev: true, wantWon: true, wantState: Reverted, wantExe: "old"},
		{name: "no previous binary: still on trial", prev: false, wantWon: false, wantState: Trying, wantExe: "new"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			exe, prev, path := filepath.Join(dir, "bootagent"), filepath.Join(dir, "bootagent.prev"), filepath.Join(dir, "upgrade.json")
			if err := os.WriteFile(exe, []byte("new"), 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.prev {
				if err := os.WriteFile(prev, []byte("old"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := Save(path, Record{State: Trying, Exe: exe, Prev: prev}); err != nil {
				t.Fatal(err)
			}
			_, won, err := Revert(path, "why", time.Now())
			if won != tt.wantWon || (err != nil) == tt.wantWon {
				t.Fatalf("Revert: won %v, err %v; want won %v", won, err, tt.wantWon)
			}
			rec, _, err := Load(path)
			if err != nil || rec.State != tt.wantState {
				t.Fatalf("record after Revert: %+v, %v; want state %s", rec, err, tt.wantState)
			}
			if b, _ := os.ReadFile(exe); string(b) != tt.wantExe {
				t.Fatalf("binary after Revert: %q, want %q", b, tt.wantExe)
			}
		})
	}
}
