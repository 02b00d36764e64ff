package selfupgrade

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bootagent/bootagent/atomicfile"
)

// PrevPath is where the previous binary is kept: next to the running one,
// so that restoring it is one rename on the same filesystem.
func PrevPath(exe string) string { return exe + ".prev" }

// Stage copies the verified download src next to exe (a temp name in its
// directory, mode 0755, synced), ready to be renamed over it.
func Stage(src, exe string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(exe), "."+filepath.Base(exe)+".new-")
	if err != nil {
		return "", fmt.Errorf("stage next to %s: %w", exe, err)
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Chmod(0o755)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("stage next to %s: %w", exe, err)
	}
	return out.Name(), nil
}

// versionTimeout bounds the `version` check of a new binary.
const versionTimeout = 10 * time.Second

// CheckRuns runs `bin version` and returns what it prints: a binary that
// does not run here (another architecture, truncated, not bootagent) is
// refused before anything is swapped.
func CheckRuns(ctx context.Context, bin string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Args[0] = "bootagent" // its name, not the staging file's
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	out, err := cmd.Output()
	v := strings.TrimSpace(string(out))
	if err != nil {
		return "", fmt.Errorf("new binary does not run (`version`): %w", err)
	}
	if !strings.HasPrefix(v, "bootagent-") || strings.ContainsAny(v, "\n") {
		return "", fmt.Errorf("new binary's `version` printed %.80q, not a bootagent version", v)
	}
	return v, nil
}

// Swap makes staged the binary at exe, keeping the current one at prev:
// prev becomes a hard link to the current binary first, then staged is
// renamed over exe. Each step is atomic, and a crash between them leaves
// exe runnable (old or new).
func Swap(exe, prev, staged string) error {
	if err := replaceWithLink(exe, prev); err != nil {
		return fmt.Errorf("keep the previous binary as %s: %w", prev, err)
	}
	if err := os.Rename(staged, exe); err != nil {
		return fmt.Errorf("swap in the new binary at %s: %w", exe, err)
	}
	return atomicfile.SyncDir(filepath.Dir(exe))
}

// Restore puts the previous binary back at exe (prev stays).
func Restore(exe, prev string) error {
	if err := replaceWithLink(prev, exe); err != nil {
		return fmt.Errorf("restore the previous binary %s at %s: %w", prev, exe, err)
	}
	return atomicfile.SyncDir(filepath.Dir(exe))
}

// replaceWithLink makes dst a hard link to src, replacing dst atomically.
func replaceWithLink(src, dst string) error {
	tmp := dst + ".link-tmp"
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
