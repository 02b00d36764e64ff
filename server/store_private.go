package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// privateDB makes the database and its WAL and shared-memory files 0600
// before SQLite opens them: they hold jobs' env values (secrets, SPEC §10
// "secrets at rest"), and SQLite creates the -wal and -shm files with the
// mode of the database file. A database an older version left readable
// by others is tightened. An existing directory is the operator's (it may
// be the working directory), so it is not changed here; a missing one is
// made 0700, as the data directory it usually is (SPEC §10).
func privateDB(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create database directory %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("database %s: %w", p, err)
		}
	}
	return nil
}
