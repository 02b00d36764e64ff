package desired

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// isDesiredFileName is SPEC §4's include rule. Editors and tools leave
// swap, backup and lock files next to the real one; reading them would
// define every agent twice.
func isDesiredFileName(name string) bool {
	switch {
	case strings.HasPrefix(name, "."): // dotfiles, emacs .#locks, vim .x.swp
		return false
	case strings.HasSuffix(name, "~"), strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".bak"):
		return false
	}
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// listDesiredFiles returns the desired files directly in dir, sorted by
// name (the order that decides which duplicate wins). Symlinks are followed
// (an operator may link a file in from elsewhere) but only regular files are
// read; a dangling link or a file removed meanwhile is simply not there.
func listDesiredFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if !isDesiredFileName(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.Mode().IsRegular()) {
			continue
		}
		// Other stat errors: keep the path so reading it reports why.
		paths = append(paths, p)
	}
	return paths, nil
}
