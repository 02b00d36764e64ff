package supervise

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// An upgrade of bootagent replaces its binary on disk while the daemon
// runs; a blocked start (cgroup v1) must still re-execute the running
// binary. The test binary is the helper here, so it is moved away.
func TestBlockedStartAfterBinaryReplaced(t *testing.T) {
	cgRequire(t)
	if IsCgroupV2() {
		t.Skip("v2 starts straight into the cgroup, without a helper")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Unlink the running binary's path, as an upgrade's rename-over or an
	// uninstall does (a hard link keeps a copy to put back).
	if err := os.Link(exe, exe+".kept"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	defer os.Rename(exe+".kept", exe)

	parent := fmt.Sprintf("bootagent-test-%d", time.Now().UnixNano())
	cg, err := OpenCgroup(parent, "moved")
	if err != nil {
		t.Fatal(err)
	}
	defer RemoveCgroupParent(parent)
	defer cg.Destroy()
	dir := t.TempDir()
	p, err := Start(Spec{Name: "moved", Command: []string{"/bin/true"}, Dir: dir,
		LogPath: filepath.Join(dir, "log"), Cgroup: cg, Env: BuildEnv("moved", Identity{Home: "/", User: "root"})})
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Exit(); st.Code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("exit %v, log: %s", st, log)
	}
}
