package supervise

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// The effects of cgroup_v2layout.go: finding the daemon's own cgroup,
// moving the daemon into its leaf, enabling controllers and creating the
// agents' cgroups beneath it. Only v2 hosts get here.

// cgroupV2Home is settled once per process: the daemon moves itself once,
// and every agent cgroup is computed from the same <own>.
var cgroupV2Home struct {
	once sync.Once
	own  string
	err  error
}

// PrepareCgroups readies the host's cgroups before the first agent is
// started or adopted. On v2 it moves the calling process into the leaf
// <own>/daemon of its own cgroup and enables the cpu and memory
// controllers for <own>'s children; on v1 there is nothing to do. The
// daemon calls it first thing, before it has children that would be
// left behind in <own>; OpenCgroup calls it too, for other users of this
// package. The result is the same for the life of the process.
func PrepareCgroups() error {
	if !IsCgroupV2() {
		return nil
	}
	_, err := cgroupV2OwnPrepared()
	return err
}

func cgroupV2OwnPrepared() (string, error) {
	h := &cgroupV2Home
	h.once.Do(func() { h.own, h.err = cgroupV2Prepare() })
	return h.own, h.err
}

// cgroupV2Prepare: the controllers must have been delegated to <own>
// (listed in its cgroup.controllers), the daemon must be the only process
// there once it moved (else enabling fails with EBUSY), and then
// cpu and memory are enabled in <own>'s cgroup.subtree_control.
func cgroupV2Prepare() (string, error) {
	self, err := cgroupV2Self()
	if err != nil {
		return "", err
	}
	own, inLeaf := cgroupV2Own(self)
	ownDir := cgroupV2Dir(own)
	if err := cgroupV2Delegated(ownDir); err != nil {
		return "", err
	}
	if !inLeaf {
		leaf := filepath.Join(ownDir, CgroupV2DaemonLeaf)
		if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("cgroup v2: create the daemon's leaf %s: %w", leaf, err)
		}
		if err := cgroups.WriteFile(leaf, "cgroup.procs", strconv.Itoa(os.Getpid())); err != nil {
			return "", fmt.Errorf("cgroup v2: move the daemon (pid %d) into %s: %w", os.Getpid(), leaf, err)
		}
	}
	if err := cgroupV2Enable(ownDir); err != nil {
		return "", err
	}
	return own, nil
}

// cgroupV2Self is the cgroup this process runs in, from /proc/self/cgroup.
func cgroupV2Self() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup v2: %w", err)
	}
	self, err := cgroupV2SelfPath(string(b))
	if err != nil {
		return "", fmt.Errorf("cgroup v2: %w", err)
	}
	return self, nil
}

// cgroupV2Dir is a cgroup's directory under the unified mount.
func cgroupV2Dir(rel string) string { return filepath.Join(cgroupV2Root, rel) }

// cgroupV2Delegated checks that dir may distribute cpu and memory to its
// children: they are in its cgroup.controllers. A service without
// Delegate=yes, or a container that was given only some controllers,
// fails here with the controllers named.
func cgroupV2Delegated(dir string) error {
	have, err := cgroups.ReadFile(dir, "cgroup.controllers")
	if err != nil {
		return fmt.Errorf("cgroup v2: %w: %w", ErrCgroupControllerMissing, err)
	}
	if missing := cgroupV2Missing(cgroupV2Needed, have); len(missing) > 0 {
		return fmt.Errorf("cgroup v2: %w: %s not delegated to %s (its cgroup.controllers is %q; as a systemd service it needs Delegate=yes)",
			ErrCgroupControllerMissing, strings.Join(missing, ", "), dir, strings.TrimSpace(have))
	}
	return nil
}

// cgroupV2Enable enables cpu and memory in dir's cgroup.subtree_control,
// writing only those not enabled yet (a write is refused while dir holds
// processes, even for a controller already on).
func cgroupV2Enable(dir string) error {
	on, err := cgroups.ReadFile(dir, "cgroup.subtree_control")
	if err != nil {
		return fmt.Errorf("cgroup v2: %w", err)
	}
	missing := cgroupV2Missing(cgroupV2Needed, on)
	if len(missing) == 0 {
		return nil
	}
	if err := cgroups.WriteFile(dir, "cgroup.subtree_control", cgroupV2EnableLine(missing)); err != nil {
		if errors.Is(err, unix.EBUSY) {
			procs, _ := cgroups.ReadFile(dir, "cgroup.procs")
			return fmt.Errorf("cgroup v2: enable %s for the children of %s: %w (processes %s are in it: a cgroup that gives controllers to its children may hold no process; start the daemon alone in its cgroup, e.g. as a systemd service with Delegate=yes)",
				strings.Join(missing, ", "), dir, err, strings.Join(strings.Fields(procs), " "))
		}
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("cgroup v2: %w: enable %s for the children of %s: %w", ErrCgroupControllerMissing, strings.Join(missing, ", "), dir, err)
		}
		return fmt.Errorf("cgroup v2: enable %s for the children of %s: %w", strings.Join(missing, ", "), dir, err)
	}
	return nil
}

// cgroupV2Create creates rel (and its missing ancestors below the top of
// its chain), enabling the controllers on the way down. The library's own
// creation is not used on v2: it writes to every ancestor's
// subtree_control up from the root, outside what was delegated to us,
// and ignores the errors, which then surface as a missing memory.max.
func cgroupV2Create(own, rel string) error {
	chain := cgroupV2Chain(own, rel)
	for i, c := range chain {
		dir := cgroupV2Dir(c)
		if i > 0 {
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return fmt.Errorf("cgroup v2: create %s: %w", dir, err)
			}
		}
		if i < len(chain)-1 {
			if err := cgroupV2Enable(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// cgroupV2Available is CgroupsAvailable on v2: what the daemon's own
// cgroup was given, checked without moving anything.
func cgroupV2Available() error {
	self, err := cgroupV2Self()
	if err != nil {
		return err
	}
	own, _ := cgroupV2Own(self)
	dir := cgroupV2Dir(own)
	if err := cgroupV2Delegated(dir); err != nil {
		return err
	}
	return cgroupWritable(dir)
}
