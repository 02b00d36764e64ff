// Package supervise starts, watches and stops sub-agent processes: process
// groups, users, log files, the restart policy's state machine, cgroups.
// It knows nothing of packages or servers.
package supervise

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Spec is everything needed to start one sub-agent process.
type Spec struct {
	Name    string
	Command []string // Command[0] is resolved against Dir when it has a slash, else PATH from Env
	Env     []string // KEY=VALUE, the whole environment
	Dir     string   // working directory
	Ident   Identity
	LogPath string // stdout and stderr are appended here
	// Cgroup, when set, holds the process from before its first
	// instruction (v2: clone into it; v1: fork from a thread moved into
	// it; see chooseStart).
	Cgroup *Cgroup
}

// Process is one running (or exited) sub-agent process. Its exit is seen at
// once through a pidfd (see awaitExit); Done is closed then.
type Process struct {
	Pid       int
	StartedAt time.Time

	done chan struct{}
	exit ExitStatus
}

// Start starts the process in its own process group with stdin from
// /dev/null and stdout/stderr appended to spec.LogPath. It returns once the
// program has been exec'd; an error means nothing is running.
func Start(spec Spec) (*Process, error) {
	if len(spec.Command) == 0 || spec.Command[0] == "" {
		return nil, fmt.Errorf("start %s: %w", spec.Name, ErrNoCommand)
	}
	path, err := resolveCommand(spec.Command[0], spec.Dir, spec.Env)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	logf, err := OpenLog(spec.LogPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	defer devnull.Close()

	files := []uintptr{devnull.Fd(), logf.Fd(), logf.Fd()}
	method := chooseStart(spec.Cgroup != nil, spec.Cgroup != nil && spec.Cgroup.v2, cloneIntoBroken.Load(), threadMoveBroken.Load())
	if method == startHelper {
		return startBlocked(path, spec, files)
	}
	pidfd := -1
	sys := &syscall.SysProcAttr{
		Setpgid:    true, // its own group: stop signals reach its children too
		Credential: spec.Ident.Cred,
		PidFD:      &pidfd,
	}
	attr := &syscall.ProcAttr{Dir: spec.Dir, Env: spec.Env, Files: files, Sys: sys}
	fork := func() (int, error) { return syscall.ForkExec(path, spec.Command, attr) }
	var pid int
	switch method {
	case startPlain:
		pid, err = fork()
	case startCloneInto:
		var fd int
		if fd, err = spec.Cgroup.FD(); err != nil {
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
		defer syscall.Close(fd)
		sys.UseCgroupFD, sys.CgroupFD = true, fd
		if pid, err = fork(); err != nil && cloneIntoUnsupported(err) {
			// The kernel cannot clone into a cgroup (before 5.7, or a
			// seccomp filter): the helper, and from now on only it.
			p, herr := startBlocked(path, spec, files)
			if herr == nil {
				cloneIntoBroken.Store(true)
			}
			return p, herr
		}
	case startThreadMove:
		if pid, err = forkInAgentCgroups(spec.Cgroup, sys, fork); errors.Is(err, errThreadMoveUnavailable) {
			threadMoveBroken.Store(true)
			return startBlocked(path, spec, files)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: exec %s: %w", spec.Name, spec.Command[0], err)
	}
	return watch(pid, pidfd, true, time.Now()), nil
}

// watch returns a Process whose Done closes when pid exits.
func watch(pid, pidfd int, child bool, started time.Time) *Process {
	p := &Process{Pid: pid, StartedAt: started, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		if pidfd < 0 {
			var err error
			if pidfd, err = openPidfd(pid); err != nil {
				p.exit = awaitWithoutPidfd(pid, child)
				return
			}
		}
		p.exit = awaitExit(pid, pidfd, child)
	}()
	return p
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exit is how the process ended; valid once Done is closed.
func (p *Process) Exit() ExitStatus {
	<-p.done
	return p.exit
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// SignalGroup sends sig to the process's whole group. A group already gone
// is not an error.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	err := syscall.Kill(-p.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// Stop sends SIGTERM to the group, waits up to grace for the process and the
// rest of its group to go, then SIGKILLs whatever is left of the group.
func (p *Process) Stop(grace time.Duration) ExitStatus {
	_ = p.SignalGroup(syscall.SIGTERM) // a vanished group is fine; SIGKILL below covers the rest
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	select {
	case <-p.done:
		p.waitGroupGone(deadline.C)
	case <-deadline.C:
	}
	_ = p.SignalGroup(syscall.SIGKILL)
	return p.Exit()
}

// KillGroupLeftovers SIGKILLs what is left of the group after its leader
// exited on its own, so a restart never runs beside stray children of the
// previous run.
func (p *Process) KillGroupLeftovers() { _ = p.SignalGroup(syscall.SIGKILL) }

// waitGroupGone waits, after the leader exited, for the rest of the group to
// follow the SIGTERM, until deadline. The kernel offers no event for "group
// empty", so this polls — only while a stop is under way.
func (p *Process) waitGroupGone(deadline <-chan time.Time) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for groupAlive(p.Pid) {
		select {
		case <-deadline:
			return
		case <-tick.C:
		}
	}
}

// resolveCommand finds the program: a name with a slash is taken relative to
// dir; a bare name is searched in the PATH of the agent's environment.
func resolveCommand(name, dir string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		if err := checkExecutable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	path := envValue(env, "PATH")
	if path == "" {
		path = DefaultPath
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		cand := filepath.Join(d, name)
		if checkExecutable(cand) == nil {
			return cand, nil
		}
	}
	return "", fmt.Errorf("%w: %q not found in PATH %s", ErrCommandNotFound, name, path)
}

func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrCommandNotFound, path)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%w: %s is not an executable file", ErrCommandNotFound, path)
	}
	return nil
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
