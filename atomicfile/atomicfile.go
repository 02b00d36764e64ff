// Package atomicfile writes files crash-safely: under a temporary name,
// fsynced, renamed into place, the directory fsynced. After a crash at any
// instant the final name holds either the old content or the complete new
// one, never a torn mix, and a file reported written survives power loss.
// Run records, server desired state, the outboxes, the job ledger and the
// identity files all rely on it.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// TempPrefix marks files being written; whatever carries it at start-up was
// interrupted by a crash (see RemoveTemps).
const TempPrefix = ".tmp-"

// WriteFile replaces path with data, durably, with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return writeFile(path, data, perm, true)
}

// writeFile replaces path with data under a temporary name; with durable,
// fsynced (file, then directory) as WriteFile promises.
func writeFile(path string, data []byte, perm os.FileMode, durable bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if durable {
		if err = f.Sync(); err != nil {
			return fmt.Errorf("fsync %s: %w", tmp, err)
		}
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, path, err)
	}
	if !durable {
		return nil
	}
	return SyncDir(dir)
}

// SyncDir makes a rename or removal in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}
