package supervise

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Set once a method turned out not to work on this host, so that later
// starts go straight to the next one (see chooseStart).
var (
	cloneIntoBroken  atomic.Bool
	threadMoveBroken atomic.Bool
)

// errThreadMoveUnavailable: the daemon's own cgroups could not be matched
// with the agent's (an unusual mount layout); the helper is used instead.
var errThreadMoveUnavailable = errors.New("cannot move the forking thread")

// forkInAgentCgroups runs fork on an OS thread that sits in c's v1 cgroups
// for the duration of the fork only: the child is born in them, as a
// child inherits the cgroups of the thread that forked it. On a hybrid
// host sys also gets the unified directory for CLONE_INTO_CGROUP, so the
// child is in the agent's cgroup in every hierarchy.
//
// The work runs in a goroutine of its own, locked to its thread: no other
// goroutine runs on that thread while it is in the agent's cgroups, and
// the thread is unlocked (handed back to the runtime) only once it is back
// in the daemon's cgroups. If moving it back fails, the goroutine returns
// still locked, and the runtime then ends the thread instead of reusing
// it. Concurrent starts each have their own thread. Threads the runtime
// creates meanwhile are not cloned from a locked thread (the runtime asks
// its template thread, started by LockOSThread), so they never inherit an
// agent's cgroups either.
func forkInAgentCgroups(c *Cgroup, sys *syscall.SysProcAttr, fork func() (int, error)) (int, error) {
	type result struct {
		pid int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		pid, err, back := forkOnLockedThread(c, sys, fork)
		if back {
			runtime.UnlockOSThread()
		}
		done <- result{pid, err}
	}()
	r := <-done
	return r.pid, r.err
}

// forkOnLockedThread does forkInAgentCgroups's work on the calling, locked
// thread. back reports that the thread is in the daemon's cgroups again.
func forkOnLockedThread(c *Cgroup, sys *syscall.SysProcAttr, fork func() (int, error)) (pid int, err error, back bool) {
	if err := c.checkLive(); err != nil {
		return -1, err, true
	}
	self, err := os.ReadFile("/proc/thread-self/cgroup")
	if err != nil {
		return -1, fmt.Errorf("%w: %w", errThreadMoveUnavailable, err), true
	}
	paths := maps.Clone(c.mgr.GetPaths()) // the library's own map, shared
	// SkipDevices (cgroupConfig): the devices cgroup is never created.
	delete(paths, "devices")
	moves, err := threadMoves(paths, c.rel, string(self))
	if err != nil {
		return -1, fmt.Errorf("%w: %w", errThreadMoveUnavailable, err), true
	}
	tid := unix.Gettid()
	moved := 0
	defer func() {
		back = true
		for i := moved - 1; i >= 0; i-- {
			if e := writeTask(moves[i].back, tid); e != nil {
				back = false // the thread is discarded: see forkInAgentCgroups
			}
		}
	}()
	for _, m := range moves {
		if err := writeTask(m.to, tid); err != nil {
			return -1, fmt.Errorf("%s: %w", c, err), back
		}
		moved++
	}
	unified := paths[""]
	if unified == "" || cloneIntoBroken.Load() {
		pid, err = fork()
		return pid, err, back
	}
	fd, err := unix.Open(unified, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("%s: open %s: %w", c, unified, err), back
	}
	defer unix.Close(fd)
	sys.UseCgroupFD, sys.CgroupFD = true, fd
	pid, err = fork()
	if err != nil && cloneIntoUnsupported(err) {
		// An old kernel: the unified tree of a hybrid host holds no
		// controllers, so nothing is limited or accounted there; the
		// child stays in the daemon's unified cgroup.
		sys.UseCgroupFD, sys.CgroupFD = false, 0
		if pid, err = fork(); err == nil {
			cloneIntoBroken.Store(true)
		}
	}
	return pid, err, back
}

// writeTask moves the calling thread (tid, for errors) into the v1 cgroup
// dir. It writes "0", the kernel's name for the writing thread, not the
// tid: for that case alone the kernel skips the global threadgroup lock,
// whose write side waits an RCU grace period when idle (measured: 20 ms
// for the first of the moves on a busy 2-core host, 20 us with "0").
func writeTask(dir string, tid int) error {
	f := dir + "/tasks"
	fd, err := unix.Open(f, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("move thread %d: %w", tid, &os.PathError{Op: "open", Path: f, Err: err})
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte("0")); err != nil {
		return fmt.Errorf("move thread %d: %w", tid, &os.PathError{Op: "write", Path: f, Err: err})
	}
	return nil
}

// checkLive refuses a destroyed cgroup (as Add does).
func (c *Cgroup) checkLive() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.destroyed {
		return fmt.Errorf("%s: start: %w", c, ErrCgroupDestroyed)
	}
	return nil
}
