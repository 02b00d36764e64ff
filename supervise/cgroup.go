package supervise

import (
	"fmt"
	"github.com/bootagent/bootagent/syntax"
	"path"
	"strings"
	"sync"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"
)

// CgroupLimits are the resource limits of one sub-agent. Zero means unlimited.
type CgroupLimits struct {
	CPUPercent  float64 // percent of one CPU (150 = one and a half CPUs)
	MemoryBytes int64   // RAM limit; swap beyond it is not allowed
}

// CgroupStats is what the kernel accounted to a cgroup since it was created.
type CgroupStats struct {
	CPUSeconds  float64 // user+system CPU time of every process ever in it
	MemoryBytes uint64  // current usage, page cache included
	OOMKills    uint64  // processes the kernel killed for exceeding the limit
}

// Cgroup is one sub-agent's cgroup: <parent>/<name> under the root of
// every hierarchy on v1; on v2 <own>/<parent>/<name> beneath the daemon's
// own cgroup (SPEC §5, cgroup_v2layout.go), so that a daemon run as a
// systemd service with Delegate=yes keeps its agents inside what it was
// delegated.
//
// Methods are safe for concurrent use; Set and KillAll are serialised.
type Cgroup struct {
	rel    string          // "bootagent/name" (v2: "<own>/bootagent/name"), what Path reports
	mgr    cgroups.Manager // v1 fs or v2 fs2, chosen by manager.New
	v2     bool
	dir    string // where processes are listed: v1 memory hierarchy, v2 the unified dir
	cpuDir string // v1 cpu hierarchy (may differ from dir); v2 same as dir

	mu        sync.Mutex
	destroyed bool
}

// cgroupRelPath validates parent and name and joins them, without a leading
// slash. An empty parent puts the cgroup at the root of the hierarchy.
func cgroupRelPath(parent, name string) (string, error) {
	if !syntax.AgentName(name) { // it becomes a directory
		return "", fmt.Errorf("%w: agent name %q", ErrCgroupInvalidName, name)
	}
	if parent == "" {
		return name, nil
	}
	if err := syntax.CgroupParent(parent); err != nil { // config validation's rule
		return "", fmt.Errorf("%w: cgroup_parent %v", ErrCgroupInvalidName, err)
	}
	return path.Join(parent, name), nil
}

// cgroupConfig is the library configuration for an absolute cgroup path.
// SkipDevices: BootAgent does not restrict devices, and without it the
// library would install a deny-all device policy.
func cgroupConfig(rel string) *cgroups.Cgroup {
	return &cgroups.Cgroup{
		Path:      "/" + rel,
		Resources: &cgroups.Resources{SkipDevices: true},
	}
}

// IsCgroupV2 reports whether the host uses the unified (v2) hierarchy only.
// Hybrid hosts (v1 controllers plus an empty v2 tree) count as v1.
func IsCgroupV2() bool { return cgroups.IsCgroup2UnifiedMode() }

// OpenCgroup creates the agent's cgroup for parent (cgroup_parent) and
// name, or reuses it when it exists, so that a restarted daemon can adopt
// agents left running by a crashed one. Limits already in place are kept;
// call Set to change them. On v2 the first call also moves this process
// into its leaf cgroup (PrepareCgroups).
func OpenCgroup(parent, name string) (*Cgroup, error) {
	rel, err := CgroupPath(parent, name)
	if err != nil {
		return nil, fmt.Errorf("open cgroup: %w", err)
	}
	return openCgroupAt(rel)
}

// openCgroupAt opens rel, a path relative to the root of the hierarchies.
func openCgroupAt(rel string) (*Cgroup, error) {
	v2 := IsCgroupV2()
	if v2 {
		own, err := cgroupV2OwnPrepared()
		if err != nil {
			return nil, fmt.Errorf("cgroup %s: %w", rel, err)
		}
		if err := cgroupV2Create(own, rel); err != nil {
			return nil, fmt.Errorf("cgroup %s: %w", rel, err)
		}
	}
	mgr, err := manager.New(cgroupConfig(rel))
	if err != nil {
		return nil, fmt.Errorf("cgroup %s: open: %w", rel, err)
	}
	if !v2 {
		// Apply with pid -1 only creates the directories (MkdirAll:
		// existing ones are fine), which is what makes reuse after a
		// crash work.
		if err := mgr.Apply(-1); err != nil {
			return nil, fmt.Errorf("cgroup %s: create: %w", rel, err)
		}
	}
	c := &Cgroup{rel: rel, mgr: mgr, v2: v2}
	if c.v2 {
		c.dir, c.cpuDir = mgr.Path(""), mgr.Path("")
	} else {
		c.dir, c.cpuDir = mgr.Path("memory"), mgr.Path("cpu")
	}
	if c.dir == "" || c.cpuDir == "" {
		return nil, fmt.Errorf("cgroup %s: %w: cpu and memory are both needed", rel, ErrCgroupControllerMissing)
	}
	return c, nil
}

// CgroupPath is what Path reports for the cgroup OpenCgroup(parent, name)
// opens, without opening it (on v2 it settles the daemon's own cgroup,
// PrepareCgroups).
func CgroupPath(parent, name string) (string, error) {
	rel, err := cgroupRelPath(parent, name)
	if err != nil {
		return "", fmt.Errorf("cgroup of %s: %w", name, err)
	}
	if !IsCgroupV2() {
		return rel, nil
	}
	own, err := cgroupV2OwnPrepared()
	if err != nil {
		return "", fmt.Errorf("cgroup of %s: %w", name, err)
	}
	if rel, err = cgroupV2AgentPath(own, parent, name); err != nil {
		return "", fmt.Errorf("cgroup of %s: %w", name, err)
	}
	return rel, nil
}

// OpenRecordedCgroup opens agent name's cgroup at rel, a path Path reported
// (a run record's), whatever cgroup_parent is now: an adopted agent keeps
// the cgroup it was started in, with its limits and accounting, until it
// is restarted.
func OpenRecordedCgroup(rel, name string) (*Cgroup, error) {
	parent, err := recordedCgroupParent(rel, name)
	if err != nil {
		return nil, err
	}
	// The same rules as a configured path: no "..", nothing outside the tree.
	full, err := cgroupRelPath(parent, name)
	if err != nil {
		return nil, fmt.Errorf("open recorded cgroup %q: %w", rel, err)
	}
	return openCgroupAt(full)
}

// recordedCgroupParent is the parent of a recorded cgroup path, which must
// end in the agent's name.
func recordedCgroupParent(rel, name string) (string, error) {
	rel = strings.Trim(rel, "/")
	parent, base := "", rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		parent, base = rel[:i], rel[i+1:]
	}
	if base != name {
		return "", fmt.Errorf("open recorded cgroup %q: %w: it is not agent %s's", rel, ErrCgroupInvalidName, name)
	}
	return parent, nil
}

// Path identifies the cgroup for a state record: relative to the root of
// each hierarchy (v1) or of the unified tree (v2), e.g. "bootagent/myagent"
// or, under systemd on v2, "system.slice/bootagent.service/bootagent/myagent".
// Outside a cgroup namespace it is also what /proc/<pid>/cgroup shows,
// with a leading slash, which is how adoption recognises an agent's process.
func (c *Cgroup) Path() string { return c.rel }

func (c *Cgroup) String() string { return "cgroup " + c.rel }

// UnifiedDir is the cgroup's directory on v2 (what FD opens, for a child
// started straight into it); false on v1, which has one per controller.
func (c *Cgroup) UnifiedDir() (string, bool) {
	if !c.v2 {
		return "", false
	}
	return c.dir, true
}
