// Package statedir is the layout of the daemon's state_dir, in one place:
// where each file that holds env, identity or credentials lives.
//
// state_dir itself is 0711 (agents running as another user must pass
// through it to reach agents/NAME and packages/), so every such file lives
// in private/, 0700, as 0600 (SPEC §10 "0600 in 0700 directories"). The
// other private directories (run/, memory/, jobs/, outbox/, logs/) are
// 0700 of their own.
package statedir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bootagent/bootagent/atomicfile"
)

// PrivateMode is the mode of private/ and of every directory of secrets.
const PrivateMode os.FileMode = 0o700

const privateName = "private"

// The files in private/.
const (
	agentSNName       = "agentsn"
	serverConfigName  = "server-config.json"
	serverDesiredName = "server-desired.json"
	desiredFilesName  = "desired-files.json"
	credentialName    = "host-credential"
)

// Private is the 0700 directory holding the state files with secrets.
func Private(stateDir string) string { return filepath.Join(stateDir, privateName) }

// AgentSN holds the host's identity (SPEC §7).
func AgentSN(stateDir string) string { return filepath.Join(Private(stateDir), agentSNName) }

// ServerConfig holds what config jobs set (svrlist, step).
func ServerConfig(stateDir string) string { return filepath.Join(Private(stateDir), serverConfigName) }

// ServerDesired holds the server-sourced desired docs (their env).
func ServerDesired(stateDir string) string {
	return filepath.Join(Private(stateDir), serverDesiredName)
}

// DesiredFiles holds the last valid docs of each desired file (their env).
func DesiredFiles(stateDir string) string { return filepath.Join(Private(stateDir), desiredFilesName) }

// Credential holds the host's bootserver credential (SPEC §10), 0600.
func Credential(stateDir string) string { return filepath.Join(Private(stateDir), credentialName) }

// EnsurePrivate creates private/ (0700) and tightens it if it is looser.
func EnsurePrivate(stateDir string) error {
	p := Private(stateDir)
	if err := os.MkdirAll(p, PrivateMode); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	if err := os.Chmod(p, PrivateMode); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	return nil
}

// Migrate moves what a bootagent before private/ kept at the top of
// stateDir (the files above, and the .corrupt/.rebuilt copies beside
// server-desired.json) into private/. A rename is atomic: a crash leaves
// each file in one place or the other, and the next start finishes the
// move. A file already in private/ wins over a stale one left on top.
func Migrate(stateDir string) error {
	if err := EnsurePrivate(stateDir); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(stateDir, serverDesiredName+".*"))
	if err != nil {
		return err
	}
	for _, n := range []string{agentSNName, serverConfigName, serverDesiredName, desiredFilesName} {
		old = append(old, filepath.Join(stateDir, n))
	}
	moved := false
	for _, from := range old {
		to := filepath.Join(Private(stateDir), filepath.Base(from))
		if _, err := os.Lstat(to); err == nil {
			// Moved before, and the stale copy outlived a crash: the
			// private one is newer, and a secret must not stay on top.
			if err := os.Remove(from); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove stale %s: %w", from, err)
			}
			continue
		}
		switch err := os.Rename(from, to); {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("move %s into %s: %w", from, Private(stateDir), err)
		}
		if err := os.Chmod(to, 0o600); err != nil {
			return fmt.Errorf("state dir: %w", err)
		}
		moved = true
	}
	if moved {
		return errors.Join(atomicfile.SyncDir(Private(stateDir)), atomicfile.SyncDir(stateDir))
	}
	return nil
}
