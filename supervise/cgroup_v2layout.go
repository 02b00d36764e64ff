package supervise

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Where the cgroups go on a v2 host (SPEC §5), as pure functions of what
// /proc/self/cgroup and the cgroup files say; cgroup_v2home.go applies them.
//
// The daemon's own cgroup <own> is where it was started: "" at the root,
// "system.slice/bootagent.service" under systemd. A v2 cgroup that has
// controllers enabled for its children may hold no process itself (the
// "no internal processes" rule), so the daemon moves itself into the leaf
// <own>/daemon and the agents go to <own>/<cgroup_parent>/<name>: all of
// them inside the service's cgroup, as Delegate=yes expects, and in its
// memory accounting.

// CgroupV2DaemonLeaf is the leaf of its own cgroup the daemon moves itself
// into (exported for tests that imitate a service manager).
const CgroupV2DaemonLeaf = "daemon"

// cgroupV2SelfPath finds the unified hierarchy's line ("0::/path") in the
// content of /proc/self/cgroup and returns its path without slashes ("" is
// the root).
func cgroupV2SelfPath(procCgroup string) (string, error) {
	for _, line := range strings.Split(procCgroup, "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return strings.Trim(p, "/"), nil
		}
	}
	return "", fmt.Errorf("no cgroup v2 line (0::PATH) in /proc/self/cgroup %q", procCgroup)
}

// cgroupV2Own is the daemon's own cgroup given the cgroup it runs in. A
// daemon already in <own>/daemon (restarted in place after an upgrade,
// started by systemd with DelegateSubgroup=daemon, or a child of a daemon)
// must not nest a second time as <own>/daemon/daemon: its own cgroup is
// the leaf's parent. Service cgroups are named *.service or *.scope, so a
// cgroup named exactly "daemon" is this layout's leaf.
func cgroupV2Own(self string) (own string, inLeaf bool) {
	self = strings.Trim(self, "/")
	if path.Base(self) != CgroupV2DaemonLeaf {
		return self, false
	}
	own = path.Dir(self)
	if own == "." {
		own = ""
	}
	return own, true
}

// cgroupV2AgentPath is <own>/<parent>/<name> (parent and name validated
// by the caller). The daemon's leaf is <own>/daemon: an agent cgroup may
// neither be it (empty parent, agent "daemon") nor sit below it.
func cgroupV2AgentPath(own, parent, name string) (string, error) {
	first, _, _ := strings.Cut(path.Join(parent, name), "/")
	if first == CgroupV2DaemonLeaf {
		return "", fmt.Errorf("%w: cgroup %q would be or sit inside the daemon's own leaf cgroup %q on cgroup v2: choose another cgroup_parent",
			ErrCgroupInvalidName, path.Join(parent, name), path.Join(own, CgroupV2DaemonLeaf))
	}
	return path.Join(own, parent, name), nil
}

// cgroupV2Chain lists the cgroups from the top one BootAgent may touch
// down to rel: own for a cgroup beneath the daemon's own, the root for
// one outside it (a path recorded by an older daemon, which kept agents
// at the root). Each but the last must have the controllers enabled in
// its cgroup.subtree_control for its children; each but the first may
// need creating. The top one always exists.
func cgroupV2Chain(own, rel string) []string {
	rel = strings.Trim(rel, "/")
	top := own
	if own != "" && rel != own && !strings.HasPrefix(rel, own+"/") {
		top = ""
	}
	chain := []string{top}
	rest := strings.TrimPrefix(strings.TrimPrefix(rel, top), "/")
	if rest == "" {
		return chain
	}
	cur := top
	for _, part := range strings.Split(rest, "/") {
		cur = path.Join(cur, part)
		chain = append(chain, cur)
	}
	return chain
}

// cgroupV2Missing lists the needed controllers that are not in have (the
// fields of a cgroup.controllers or cgroup.subtree_control file), in the
// order of need.
func cgroupV2Missing(need []string, have string) []string {
	fields := strings.Fields(have)
	var missing []string
	for _, c := range need {
		if !slices.Contains(fields, c) {
			missing = append(missing, c)
		}
	}
	return missing
}

// cgroupV2EnableLine is what to write to cgroup.subtree_control to
// enable controllers: "+cpu +memory".
func cgroupV2EnableLine(controllers []string) string {
	parts := make([]string, len(controllers))
	for i, c := range controllers {
		parts[i] = "+" + c
	}
	return strings.Join(parts, " ")
}
