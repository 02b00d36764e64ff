package supervise

import (
	"testing"

	"golang.org/x/sys/unix"
)

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
