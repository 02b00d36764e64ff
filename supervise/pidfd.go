package supervise

import (
	"errors"
	"fmt"
	"os"
	"syscall"

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
func awaitExit(pid, pidfd int, child bool) ExitStatus {
	if err := unix.SetNonblock(pidfd, true); err != nil {
		return blockingAwait(pid, pidfd, child)
	}
	f := os.NewFile(uintptr(pidfd), fmt.Sprintf("pidfd:%d", pid))
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return blockingAwait(pid, -1, child)
	}
	err = rc.Read(func(fd uintptr) bool {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, perr := unix.Poll(fds, 0)
		return perr != nil || n > 0
	})
	if err != nil {
		return blockingAwait(pid, -1, child)
	}
	return reap(pid, child)
}

// blockingAwait is the fallback where a pidfd cannot be polled: a blocked
// wait4 for a child; for a non-child nothing better than waiting on the
// pidfd with poll(2).
func blockingAwait(pid, pidfd int, child bool) ExitStatus {
	if child {
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
		return reap(pid, true)
	}
	if pidfd >= 0 {
		defer unix.Close(pidfd)
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); !errors.Is(err, unix.EINTR) {
				break
			}
		}
	}
	return ExitStatus{}
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
