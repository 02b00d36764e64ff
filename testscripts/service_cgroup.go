package testscripts

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/bootagent/bootagent/supervise"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// serviceSliceEnv names a cgroup v2 directory (e.g.
// /sys/fs/cgroup/system.slice) under which `daemon start` starts each
// script's daemon the way systemd starts a service with Delegate=yes: as
// the only process of its own service cgroup, <slice>/bootagent-<hash>.service.
// `make test-cgroup2` sets it for its nested run; unset, daemons start in
// the test's own cgroup.
const serviceSliceEnv = "BOOTAGENT_TEST_SERVICE_SLICE"

// serviceCgroupAttr returns the SysProcAttr that starts a daemon straight
// into its script's service cgroup (nil when serviceSliceEnv is unset),
// and a func closing the cgroup fd once the daemon has started.
func serviceCgroupAttr(ts *testscript.TestScript) (*syscall.SysProcAttr, func(), error) {
	slice := os.Getenv(serviceSliceEnv)
	if slice == "" {
		return nil, func() {}, nil
	}
	sum := sha256.Sum256([]byte(ts.Getenv("WORK")))
	svc := filepath.Join(slice, fmt.Sprintf("bootagent-%x.service", sum[:6]))
	if err := os.Mkdir(svc, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, nil, fmt.Errorf("service cgroup: %w", err)
	}
	on, err := os.ReadFile(filepath.Join(svc, "cgroup.subtree_control"))
	if err != nil {
		return nil, nil, fmt.Errorf("service cgroup: %w", err)
	}
	dir := serviceStartDir(svc, string(on))
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("service cgroup: open %s: %w", dir, err)
	}
	return &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}, func() { unix.Close(fd) }, nil
}

// serviceStartDir is where a service's (re)started main process goes: the
// service cgroup itself the first time; once the daemon has enabled
// controllers for its children there, the kernel refuses processes in it
// (EBUSY), and the restart goes to the daemon's leaf, as systemd does with
// DelegateSubgroup=daemon. The restarted daemon must then find its own
// cgroup above that leaf instead of nesting again.
func serviceStartDir(svc, subtreeControl string) string {
	if strings.TrimSpace(subtreeControl) == "" {
		return svc
	}
	return filepath.Join(svc, supervise.CgroupV2DaemonLeaf)
}
