package statedir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMigrateMovesSecretsIntoPrivate(t *testing.T) {
	dir := t.TempDir()
	old := map[string]string{
		"agentsn": "sn-old\n", "server-config.json": `{"step":5}`, "server-desired.json": "[]",
		"desired-files.json": "{}", "server-desired.json.corrupt": "{",
	}
	for n, c := range old {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Already moved once (a crash in the middle): the private copy wins.
	if err := os.MkdirAll(Private(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(AgentSN(dir), []byte("sn-new\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // twice: a second start changes nothing
		if err := Migrate(dir); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(Private(dir)); err != nil || fi.Mode().Perm() != PrivateMode {
		t.Fatalf("private dir: %v %v, want mode %o", fi.Mode(), err, PrivateMode)
	}
	for n, c := range old {
		p := filepath.Join(Private(dir), n)
		b, err := os.ReadFile(p)
		if n == "agentsn" {
			c = "sn-new\n"
		}
		if err != nil || string(b) != c {
			t.Errorf("%s: %q (%v), want %q", p, b, err, c)
		}
		if fi, err := os.Stat(p); err == nil && n != "agentsn" && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %o, want 600", p, fi.Mode().Perm())
		}
	}
	for n := range old {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s still on top of the state dir", n)
		}
	}
}
