package syspkg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"time"
)

// ErrInstall is an install the package manager refused or that did not
// leave the package installed: a failed scriptlet, a missing dependency,
// a conflict. Its message is the package manager's own. Terminal: the
// same file fails the same way.
var ErrInstall = errors.New("system package install failed")

// Package is a package file's identity, read from the file before
// anything runs (fetch.ReadPackageHeader).
type Package struct {
	Format  Format
	Name    string // the package manager's name for it
	Version string // without epoch
	File    string // the .rpm or .deb
}

func (p Package) String() string { return fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.Format) }

// Manager runs rpm and dpkg on one package database.
type Manager struct {
	opts Options
	log  *slog.Logger
	// LockWait bounds how long a lock held by another package manager is
	// waited for, retrying with backoff from LockRetry.
	LockWait  time.Duration
	LockRetry time.Duration
}

// New returns a Manager of the database opts names.
func New(opts Options, log *slog.Logger) *Manager {
	return &Manager{opts: opts, log: log, LockWait: 2 * time.Minute, LockRetry: time.Second}
}

// Query returns what the database says of name.
func (m *Manager) Query(ctx context.Context, f Format, name string) (Status, error) {
	out, err := m.exec(ctx, f, m.opts.queryCmd(f, name))
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return Status{}, fmt.Errorf("query %s %s: %w", f, name, err)
	}
	return parseQuery(f, out, err != nil), nil
}

// Prior is what to put back when an install fails.
type Prior struct {
	// Package is the version installed before, whose file is kept; nil
	// when there was none.
	Package *Package
	// Foreign: what is installed was not installed by BootAgent (no file
	// to put back): a failed install then removes nothing.
	Foreign bool
}

// Install makes pkg the installed version of its name. The same version
// already installed is left alone (changed false). On failure the
// database is put back as prior says: the previous version reinstalled
// from its file, or, when there was none, the package removed, so a
// failed %post or a dpkg left half-installed (iU, iF) is cleaned up; the
// error is ErrInstall with the package manager's message.
func (m *Manager) Install(ctx context.Context, pkg Package, prior Prior) (changed bool, err error) {
	st, err := m.Query(ctx, pkg.Format, pkg.Name)
	if err != nil {
		return false, err
	}
	if st.State == Installed && st.Version == pkg.Version {
		return false, nil
	}
	if err := m.install(ctx, pkg); err != nil {
		if !errors.Is(err, ErrInstall) {
			return false, err // it did not run (a lock, a missing rpm): nothing changed
		}
		if rerr := m.Restore(ctx, pkg, prior); rerr != nil {
			return true, fmt.Errorf("%w; restoring the previous state failed too: %v", err, rerr)
		}
		return false, err
	}
	return true, nil
}

func (m *Manager) install(ctx context.Context, pkg Package) error {
	if cmd := m.opts.testCmd(pkg.Format, pkg.File); cmd != nil {
		if out, err := m.exec(ctx, pkg.Format, cmd); err != nil {
			return m.failure(pkg, out, err)
		}
	}
	out, err := m.exec(ctx, pkg.Format, m.opts.installCmd(pkg.Format, pkg.File))
	if err == nil && pkg.Format == RPM && scriptFailed(out) {
		err = errScript
	}
	if err != nil {
		return m.failure(pkg, out, err)
	}
	return m.verify(ctx, pkg)
}

// verify is the only proof of success: the database shows the version.
func (m *Manager) verify(ctx context.Context, pkg Package) error {
	st, err := m.Query(ctx, pkg.Format, pkg.Name)
	if err != nil {
		return err
	}
	if st.State != Installed || st.Version != pkg.Version {
		return fmt.Errorf("%w: %s: after the install the database shows %s %q", ErrInstall, pkg, st.State, st.Raw)
	}
	return nil
}

// failure classifies a failed command: the package manager's refusal
// (it ran and said no, or rpm warned of a failed scriptlet) is ErrInstall
// with its message; a lock still held or a command that could not run is
// returned as is, to be retried.
func (m *Manager) failure(pkg Package, out string, err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) || errors.Is(err, errScript) {
		return fmt.Errorf("%w: %s: %s", ErrInstall, pkg, message(out))
	}
	return fmt.Errorf("%s %s: %w", pkg.Format, pkg.File, err)
}

// errScript: rpm exited 0 but said a scriptlet failed.
var errScript = errors.New("a scriptlet failed")

// Restore puts name back as prior says: prior's file reinstalled, or
// with no prior the package removed if the database has it in any state.
func (m *Manager) Restore(ctx context.Context, failed Package, prior Prior) error {
	if prior.Package != nil {
		return m.install(ctx, *prior.Package)
	}
	if prior.Foreign {
		return nil
	}
	st, err := m.Query(ctx, failed.Format, failed.Name)
	if err != nil {
		return err
	}
	if st.State == Absent && failed.Format == RPM {
		return nil
	}
	return m.Remove(ctx, failed.Format, failed.Name)
}

// Remove removes name. Callers remove only what BootAgent installed.
func (m *Manager) Remove(ctx context.Context, f Format, name string) error {
	out, err := m.exec(ctx, f, m.opts.removeCmd(f, name))
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%w: remove %s %s: %s", ErrInstall, f, name, message(out))
		}
		return fmt.Errorf("remove %s %s: %w", f, name, err)
	}
	st, err := m.Query(ctx, f, name)
	if err != nil {
		return err
	}
	if st.State != Absent {
		return fmt.Errorf("%w: remove %s %s: the database still shows %s", ErrInstall, f, name, st.Raw)
	}
	return nil
}

// exec runs one package manager command, holding dpkg's frontend lock for
// dpkg, and retries while another package manager holds a lock.
func (m *Manager) exec(ctx context.Context, f Format, args []string) (string, error) {
	deadline := time.Now().Add(m.LockWait)
	delay := m.LockRetry
	for {
		out, err := m.execOnce(ctx, f, args)
		locked := errors.Is(err, errLocked) || (err != nil && lockHeld(out))
		if !locked || time.Now().Add(delay).After(deadline) {
			if locked {
				return out, fmt.Errorf("%w: %s", ErrLocked, firstNonEmpty(message(out), err.Error()))
			}
			return out, err
		}
		m.log.Info("package manager lock held, waiting", "format", f, "retry_in", delay)
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// ErrLocked: the lock was still held after Manager.LockWait. Transient.
var ErrLocked = errors.New("package manager locked")

func (m *Manager) execOnce(ctx context.Context, f Format, args []string) (string, error) {
	if f == Deb && args[0] == "dpkg" {
		lk, err := lockFrontend(m.opts.dpkgAdmin())
		if err != nil {
			return "", err
		}
		defer lk.Close()
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = env(f)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
