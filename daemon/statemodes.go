package daemon

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Modes under state_dir (SPEC §10: what holds env, identity or
// credentials is 0600 in 0700 directories).
//
// state_dir itself and agents/ are 0711, not 0700: an agent running as
// another user (`user:`) must reach its working directory agents/NAME and
// its package under packages/, and it resolves those paths as that user
// (the kernel checks search permission on every component once the
// process has switched credentials, which it does before chdir and exec).
// 0711 grants search only, and no file with a secret lies in it: those
// are in private/ (internal/statedir), 0700 like every other directory of
// the daemon's (run/, memory/, jobs/, outbox/, logs/ …); the socket in
// state_dir is 0600. packages/ and tmp/ belong to the package
// store (fetch), which sets their modes; agents/NAME belongs to its agent.
const (
	stateDirMode  fs.FileMode = 0o711
	privateDir    fs.FileMode = 0o700
	privateFile   fs.FileMode = 0o600
	agentsDirName             = "agents"
)

// stateModeMax is the loosest mode allowed for the entry at rel (a path
// relative to state_dir, "." for itself), and whether to look inside it.
// ok false: not the daemon's to set.
func stateModeMax(rel string, isDir bool) (max fs.FileMode, walk, ok bool) {
	top, _, nested := strings.Cut(filepath.ToSlash(rel), "/")
	switch {
	case rel == ".":
		return stateDirMode, true, true
	case top == "packages" || top == "tmp":
		return 0, false, false
	case top == agentsDirName && !nested:
		return stateDirMode, false, true
	case top == agentsDirName:
		return 0, false, false
	case isDir:
		return privateDir, true, true
	default:
		return privateFile, false, true
	}
}

// tightened is mode with the bits max does not allow cleared, and whether
// that changes it. A stricter mode is kept: an operator may want it.
func tightened(mode, max fs.FileMode) (fs.FileMode, bool) {
	perm := mode.Perm()
	return perm & max, perm&^max != 0
}

// tightenStateDir brings what an older version left under stateDir (0644
// records, 0755 directories) to the modes above. Only directories and
// regular files are touched; symlinks are not followed.
func tightenStateDir(stateDir string) error {
	return filepath.WalkDir(stateDir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("state dir %s: %w", path, err)
		}
		rel, err := filepath.Rel(stateDir, path)
		if err != nil {
			return err
		}
		if !e.IsDir() && !e.Type().IsRegular() {
			return nil
		}
		max, walk, ok := stateModeMax(rel, e.IsDir())
		if ok {
			info, err := e.Info()
			if err != nil {
				return fmt.Errorf("state dir %s: %w", path, err)
			}
			if mode, change := tightened(info.Mode(), max); change {
				if err := os.Chmod(path, mode); err != nil {
					return fmt.Errorf("state dir: tighten %s: %w", path, err)
				}
			}
		}
		if e.IsDir() && !walk {
			return filepath.SkipDir
		}
		return nil
	})
}
