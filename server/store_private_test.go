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

// A database in a directory that does not exist yet (a fresh data
// directory) is created, in a 0700 directory.
func TestDatabaseDirectoryCreatedPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "db")
	s, err := Open(filepath.Join(dir, "bootserver.db"), Options{})
	if err != nil {
		t.Fatalf("open in a missing directory: %v", err)
	}
	s.Close()
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("database directory: %v %v, want mode 700", fi, err)
	}
}
