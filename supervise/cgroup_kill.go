package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

const (
	// cgroupKillRound is how long one round of SIGKILLs is given before
	// the cgroup is frozen and swept again (a process that was being
	// created during the sweep is caught by the next one).
	cgroupKillRound = 200 * time.Millisecond
	// cgroupKillPoll: the kill path is rare and short, so plain polling of
	// cgroup.procs is simpler than watching cgroup.events.
	cgroupKillPoll = 5 * time.Millisecond
)

// KillAll SIGKILLs every process in the cgroup, including those that left
// the agent's process group or session, until the cgroup is empty or ctx
// ends. A cgroup that no longer exists is empty.
func (c *Cgroup) KillAll(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Empty already (the usual case after the agent exited, on every
	// restart): nothing to freeze or signal. An empty cgroup stays empty,
	// as only a process inside it could fork into it.
	if pids, err := cgroups.GetAllPids(c.dir); cgroupGone(err) || (err == nil && len(pids) == 0) {
		return nil
	}
	var roundErr error
	for {
		if err := c.killRound(); err != nil {
			roundErr = err // retried by the next round; reported if we give up
		}
		empty, err := c.waitEmpty(ctx, cgroupKillRound)
		if empty {
			return nil
		}
		if err != nil {
			left, _ := cgroups.GetAllPids(c.dir)
			return fmt.Errorf("%s: kill all: %d processes left %v: %w", c, len(left), left, errors.Join(err, roundErr))
		}
	}
}

// killRound kills what is in the cgroup now. Where the kernel has
// cgroup.kill (v2, Linux 5.14) it does this atomically, forks included.
// Otherwise the cgroup is frozen first so that no process can fork between
// the listing and the signals; frozen v1 tasks only die once thawed, so the
// thaw comes after the signals.
func (c *Cgroup) killRound() error {
	if c.v2 && cgroups.PathExists(filepath.Join(c.dir, "cgroup.kill")) {
		if err := cgroups.WriteFile(c.dir, "cgroup.kill", "1"); err != nil {
			return fmt.Errorf("write cgroup.kill: %w", err)
		}
		return nil
	}
	var freezeErr error
	frozen := false
	if c.canFreeze() {
		// A failed freeze (processes forking too fast) is thawed back by
		// the library; signalling anyway still makes progress.
		if freezeErr = c.mgr.Freeze(cgroups.Frozen); freezeErr == nil {
			frozen = true
		} else {
			freezeErr = fmt.Errorf("freeze: %w", freezeErr)
		}
	}
	killErr := c.signalAll(unix.SIGKILL)
	var thawErr error
	if frozen {
		if err := c.mgr.Freeze(cgroups.Thawed); err != nil {
			thawErr = fmt.Errorf("thaw: %w", err)
		}
	}
	return errors.Join(freezeErr, killErr, thawErr)
}

func (c *Cgroup) canFreeze() bool {
	if c.v2 {
		return cgroups.PathExists(filepath.Join(c.dir, "cgroup.freeze"))
	}
	return c.mgr.Path("freezer") != ""
}

func (c *Cgroup) signalAll(sig unix.Signal) error {
	pids, err := cgroups.GetAllPids(c.dir)
	if err != nil {
		if cgroupGone(err) {
			return nil
		}
		return fmt.Errorf("list processes: %w", err)
	}
	var errs []error
	for _, pid := range pids {
		// ESRCH: it exited between the listing and the signal.
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %d: %w", pid, err))
		}
	}
	return errors.Join(errs...)
}

// waitEmpty polls until the cgroup is empty (true), d has passed (false,
// nil) or ctx ends (false, ctx's error).
func (c *Cgroup) waitEmpty(ctx context.Context, d time.Duration) (bool, error) {
	round := time.NewTimer(d)
	defer round.Stop()
	tick := time.NewTicker(cgroupKillPoll)
	defer tick.Stop()
	for {
		pids, err := cgroups.GetAllPids(c.dir)
		if cgroupGone(err) || (err == nil && len(pids) == 0) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-round.C:
			return false, nil
		case <-tick.C:
		}
	}
}

// Destroy removes the cgroup's directories (in every v1 hierarchy). It
// refuses while processes remain, since rmdir would fail anyway and the
// caller should KillAll first. Destroying a removed cgroup is not an error.
func (c *Cgroup) Destroy() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pids, err := cgroups.GetAllPids(c.dir); err == nil && len(pids) > 0 {
		return fmt.Errorf("%s: destroy: %w: %v", c, ErrCgroupNotEmpty, pids)
	}
	if err := c.mgr.Destroy(); err != nil {
		return fmt.Errorf("%s: destroy: %w", c, err)
	}
	c.destroyed = true
	return nil
}

// cgroupGone: the directory was removed (ENOENT) or is being removed
// (ENODEV); either way no process can be in it.
func cgroupGone(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENODEV)
}
