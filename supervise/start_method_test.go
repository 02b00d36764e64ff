package supervise

import (
	"fmt"
	"syscall"
	"testing"
)

func TestChooseStart(t *testing.T) {
	tests := []struct {
		name                                  string
		hasCgroup, v2, cloneBroken, moveBroke bool
		want                                  startMethod
	}{
		{"no cgroup", false, false, false, false, startPlain},
		{"no cgroup on v2", false, true, true, true, startPlain},
		{"v2 clones into the cgroup", true, true, false, false, startCloneInto},
		{"v2 kernel without CLONE_INTO_CGROUP: helper", true, true, true, false, startHelper},
		{"v1 moves the forking thread", true, false, false, false, startThreadMove},
		{"v1 on a hybrid kernel without clone3 still moves the thread", true, false, true, false, startThreadMove},
		{"v1 whose own cgroups cannot be read: helper", true, false, false, true, startHelper},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseStart(tt.hasCgroup, tt.v2, tt.cloneBroken, tt.moveBroke); got != tt.want {
				t.Fatalf("chooseStart = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCloneIntoUnsupported(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no clone3", syscall.ENOSYS, true},
		{"clone3 without the cgroup field", fmt.Errorf("fork/exec /bin/true: %w", syscall.E2BIG), true},
		{"flag rejected", syscall.EINVAL, true},
		{"program missing is this start's failure", syscall.ENOENT, false},
		{"permission is this start's failure", syscall.EACCES, false},
		{"out of processes", syscall.EAGAIN, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cloneIntoUnsupported(tt.err); got != tt.want {
				t.Fatalf("cloneIntoUnsupported(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
