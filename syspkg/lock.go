package syspkg

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// errLocked: another package manager holds the lock; retried.
var errLocked = errors.New("package manager lock held by another process")

// lockFrontend takes dpkg's frontend lock (ADMINDIR/lock-frontend), the
// one apt and every dpkg frontend take first, with the same fcntl write
// lock they use. dpkg then runs with DPKG_FRONTEND_LOCKED=1 so that it
// does not try to take it again. The lock goes with the file.
func lockFrontend(admin string) (*os.File, error) {
	p := filepath.Join(admin, "lock-frontend")
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("dpkg frontend lock %s: %w", p, err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("%w: %s", errLocked, p)
		}
		return nil, fmt.Errorf("dpkg frontend lock %s: %w", p, err)
	}
	return f, nil
}
