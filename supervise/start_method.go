package supervise

import (
	"errors"
	"syscall"
)

// startMethod is how a child is put in its cgroup before its first
// instruction.
type startMethod int

const (
	// startPlain: no cgroup.
	startPlain startMethod = iota
	// startCloneInto: clone3 with CLONE_INTO_CGROUP (v2, Linux 5.7): the
	// kernel creates the child inside the cgroup.
	startCloneInto
	// startThreadMove: v1. The forking OS thread is moved into the agent's
	// cgroups for the fork and back; a child inherits its parent thread's
	// cgroups, so it is born in them (on a hybrid host, CLONE_INTO_CGROUP
	// places it in the unified tree in the same clone).
	startThreadMove
	// startHelper: the old way, a re-exec of bootagent as a blocked helper
	// moved into the cgroup before it execs the agent (about 5 ms: a Go
	// binary's start-up). Only where neither of the above can be used.
	startHelper
)

func (m startMethod) String() string {
	return [...]string{"plain", "clone-into-cgroup", "thread-move", "blocked-helper"}[m]
}

// chooseStart picks the method for a start. cloneIntoBroken is set once the
// kernel refused CLONE_INTO_CGROUP (see cloneIntoUnsupported);
// threadMoveBroken once the daemon's own cgroups could not be read for
// moving a thread back.
func chooseStart(hasCgroup, v2, cloneIntoBroken, threadMoveBroken bool) startMethod {
	switch {
	case !hasCgroup:
		return startPlain
	case v2 && !cloneIntoBroken:
		return startCloneInto
	case v2:
		// A thread cannot leave its process's cgroup on v2 (outside
		// threaded mode): only the helper is left.
		return startHelper
	case !threadMoveBroken:
		return startThreadMove
	default:
		return startHelper
	}
}

// cloneIntoUnsupported reports whether a failed ForkExec with UseCgroupFD
// means this kernel cannot do CLONE_INTO_CGROUP (then the next method is
// used) rather than that this start failed: ENOSYS, no clone3 (before 5.3,
// or a seccomp filter answering so, as container runtimes do); E2BIG,
// clone3 without the cgroup field (5.3-5.6); EINVAL, a kernel that rejects
// the flag.
func cloneIntoUnsupported(err error) bool {
	return errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.E2BIG) || errors.Is(err, syscall.EINVAL)
}
