package supervise

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// awaitExit blocks until the process behind pidfd has exited and returns how
// it ended. The pidfd is registered with Go's netpoller, so a waiting agent
// costs a goroutine, not an OS thread, and nothing polls: a pidfd becomes
// readable exactly when its process exits. That works the same for our own
// children and for processes adopted after a daemon restart.
//
// child says whether pid is our child; only then can it be reaped and its
// exit status read. awaitExit takes ownership of pidfd and closes it.
//
// Nothing here may report an exit it has not seen: for an adopted process
// a false exit would make the daemon kill a healthy agent and start it
// again.
func awaitExit(pid, pidfd int, child bool) ExitStatus {
	defer unix.Close(pidfd)
	if !netpollWait(pidfd) {
		blockingWait(pidfd) // costs a thread, but is still exact
	}
	return reap(pid, child)
}

// netpollWait waits on a duplicate of pidfd in the netpoller until the
// process has exited. false: the netpoller could not be used.
func netpollWait(pidfd int) bool {
	dup, err := unix.Dup(pidfd)
	if err != nil {
		return false
	}
	if err := unix.SetNonblock(dup, true); err != nil {
		unix.Close(dup)
		return false
	}
	f := os.NewFile(uintptr(dup), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	return rc.Read(func(fd uintptr) bool { return exitSeen(int(fd), unix.Poll) }) == nil
}

// blockingWait waits in poll(2) until the process behind pidfd has exited.
func blockingWait(pidfd int) {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for !exitSeen(pidfd, unix.Poll) {
		// Woken by the exit or a signal; exitSeen decides. A poll that
		// keeps failing must not spin.
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			time.Sleep(time.Second)
		}
	}
}

// exitSeen asks, without waiting, whether the process behind the pidfd has
// exited (the pidfd is readable). poll(2) fails with EINTR whenever a
// signal is pending, even with a zero timeout, and the Go runtime signals
// its threads all the time (preemption): that is asked again, and no
// failure of poll ever counts as an exit. poll is a parameter only so that
// tests can make it fail.
func exitSeen(fd int, poll func([]unix.PollFd, int) (int, error)) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := poll(fds, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0 && fds[0].Revents&(unix.POLLIN|unix.POLLHUP) != 0
	}
}

// awaitWithoutPidfd is the fallback where pidfd_open is unavailable
// (Linux < 5.3): a child is waited for with wait4; anything else is
// checked once a second until it is gone.
func awaitWithoutPidfd(pid int, child bool) ExitStatus {
	if child {
		return reap(pid, true)
	}
	for processLiveNoPidfd(pid) {
		time.Sleep(time.Second)
	}
	return ExitStatus{}
}

func processLiveNoPidfd(pid int) bool {
	st, err := readProcStat(pid)
	return err == nil && st.state != 'Z'
}

func reap(pid int, child bool) ExitStatus {
	if !child {
		return ExitStatus{}
	}
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return ExitStatus{}
		}
		return exitFromWaitStatus(ws)
	}
}

// openPidfd returns a pidfd for pid (pidfd_open, Linux 5.3+).
func openPidfd(pid int) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	return fd, nil
}

func syscallClose(fd int) { unix.Close(fd) }
