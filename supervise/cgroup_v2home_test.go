package supervise

// The v2 layout on a real v2 kernel (`make test-cgroup2` runs these at the
// root and inside an imitation of a systemd service): the process using
// this package sits in <own>/daemon, agents' cgroups beneath <own>, with
// cpu and memory enabled on the way. Skipped on v1 and hybrid hosts.

import (
	"os"
	"path"
	"strings"
	"testing"
)

func TestCgroupV2AgentsBeneathOwnCgroup(t *testing.T) {
	if !IsCgroupV2() {
		t.Skip("cgroup v1 or hybrid host: the v2 layout is tested by make test-cgroup2")
	}
	c := cgOpen(t, "beneath")
	self, err := cgroupV2Self()
	if err != nil {
		t.Fatal(err)
	}
	if path.Base(self) != CgroupV2DaemonLeaf {
		t.Fatalf("this process is in %q after OpenCgroup, want its leaf .../%s", self, CgroupV2DaemonLeaf)
	}
	own := path.Dir(self)
	if own == "." {
		own = ""
	}
	if own != "" && !strings.HasPrefix(c.Path(), own+"/") {
		t.Fatalf("agent cgroup %s is not beneath the daemon's own cgroup %s", c.Path(), own)
	}
	if got, want := path.Dir(path.Dir(c.Path())), path.Join(".", own); got != want {
		t.Fatalf("agent cgroup %s: want <own>/<parent>/<name> with own %q", c.Path(), own)
	}
	for _, dir := range []string{own, path.Dir(c.Path())} {
		on, err := os.ReadFile(path.Join(cgroupV2Root, dir, "cgroup.subtree_control"))
		if err != nil {
			t.Fatal(err)
		}
		if m := cgroupV2Missing(cgroupV2Needed, string(on)); len(m) > 0 {
			t.Errorf("%s/cgroup.subtree_control = %q: %v not enabled", dir, on, m)
		}
	}
	// A second preparation (a daemon restarted in its leaf) does not nest.
	again, inLeaf := cgroupV2Own(self)
	if again != own || !inLeaf {
		t.Fatalf("cgroupV2Own(%q) = %q, %v; want %q, true", self, again, inLeaf, own)
	}
}
