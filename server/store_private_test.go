package server

import (
	"os"
	"path/filepath"
	"testing"
)

// The database holds jobs' env values: it and its WAL are 0600, also when
// an older version left them readable.
func TestDatabaseFilesArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootserver.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	register(t, s, "web", "sn") // a write, so the WAL exists
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %o, want 600", p, fi.Mode().Perm())
		}
	}
	s.Close()
}
