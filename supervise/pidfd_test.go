package supervise

import (
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A signal arriving while the exit watcher asks the pidfd whether the
// process exited makes poll(2) fail with EINTR, even with a zero timeout;
// the Go runtime itself signals its threads (SIGURG, preemption) all the
// time. That must never pass for an exit: for an adopted process (not our
// child, status unknown) a false exit meant killing a healthy agent.
func TestWatchIgnoresSignalsToTheDaemon(t *testing.T) {
	p, _ := startSh(t, `exec sleep 300`)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // flood this process with harmless signals
		for {
			select {
			case <-stop:
				return
			default:
				syscall.Kill(os.Getpid(), syscall.SIGURG)
			}
		}
	}()
	var watchers []*Process
	for range 300 {
		watchers = append(watchers, watch(p.Pid, -1, false, time.Now()))
	}
	deadline := time.After(500 * time.Millisecond) // a measurement window, not a wait
	for {
		for _, w := range watchers {
			if w.Exited() {
				t.Fatalf("watcher saw pid %d exit, but it is alive", p.Pid)
			}
		}
		select {
		case <-deadline:
			return
		default:
		}
	}
}

// exitSeen is asked again on EINTR and never takes a poll failure for an
// exit. (A fake poll: EINTR cannot be produced on demand.)
func TestExitSeenNeverMistakesAFailedPollForAnExit(t *testing.T) {
	ready := func(fds []unix.PollFd, _ int) (int, error) { fds[0].Revents = unix.POLLIN; return 1, nil }
	notReady := func(fds []unix.PollFd, _ int) (int, error) { fds[0].Revents = 0; return 0, nil }
	tests := []struct {
		name  string
		polls []func([]unix.PollFd, int) (int, error)
		want  bool
	}{
		{"exited", nil, true},
		{"running", []func([]unix.PollFd, int) (int, error){notReady}, false},
		{"EINTR then running", []func([]unix.PollFd, int) (int, error){failWith(unix.EINTR), failWith(unix.EINTR), notReady}, false},
		{"EINTR then exited", []func([]unix.PollFd, int) (int, error){failWith(unix.EINTR), ready}, true},
		{"EBADF is not an exit", []func([]unix.PollFd, int) (int, error){failWith(unix.EBADF)}, false},
		{"POLLNVAL is not an exit", []func([]unix.PollFd, int) (int, error){func(fds []unix.PollFd, _ int) (int, error) {
			fds[0].Revents = unix.POLLNVAL
			return 1, nil
		}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := append(tc.polls, ready)
			i := 0
			poll := func(fds []unix.PollFd, timeout int) (int, error) {
				f := calls[i]
				i++
				return f(fds, timeout)
			}
			if got := exitSeen(3, poll); got != tc.want {
				t.Fatalf("exitSeen = %v, want %v", got, tc.want)
			}
		})
	}
}

func failWith(err error) func([]unix.PollFd, int) (int, error) {
	return func([]unix.PollFd, int) (int, error) { return -1, err }
}
