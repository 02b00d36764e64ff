package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// MoveAside renames a state file that cannot be decoded to PATH.corrupt,
// or PATH.corrupt-N when that is taken, so that every corrupt version is
// kept for the operator and the next write cannot destroy it. It returns
// the new name. Copies lists what MoveAside made of path.
func MoveAside(path string) (string, error) {
	aside := path + ".corrupt"
	for n := 2; ; n++ {
		if _, err := os.Lstat(aside); errors.Is(err, os.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s.corrupt-%d", path, n)
	}
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("move %s aside: %w", path, err)
	}
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return aside, err
	}
	return aside, nil
}

// Copies lists the corrupt copies MoveAside made of path, sorted.
func Copies(path string) []string {
	matches, _ := filepath.Glob(path + ".corrupt*")
	return matches
}
