package supervise

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/bootagent/bootagent/syntax"

	"github.com/opencontainers/cgroups/manager"
)

// RemoveCgroupParent removes the (empty) parent cgroup directory of the
// configured cgroup_parent in every hierarchy (on v2 <own>/<parent>), once
// the daemon has stopped all its agents. rmdir refuses a cgroup that still
// has children, so agents left running are never touched: such a parent
// simply stays.
func RemoveCgroupParent(parent string) error {
	if parent == "" {
		return nil
	}
	if err := syntax.CgroupParent(parent); err != nil { // config validation's rule
		return fmt.Errorf("%w: cgroup_parent %v", ErrCgroupInvalidName, err)
	}
	rel := parent
	if IsCgroupV2() {
		own, err := cgroupV2OwnPrepared()
		if err != nil {
			return fmt.Errorf("cgroup %s: %w", parent, err)
		}
		rel = path.Join(own, parent)
	}
	return removeCgroupDirs(rel)
}

// RemoveRecordedCgroupParent removes the (empty) parent of an agent's
// cgroup as Path reported it, e.g. after the agent moved to another
// cgroup_parent. A cgroup at the root of the tree has no parent of ours.
func RemoveRecordedCgroupParent(recorded string) error {
	recorded = strings.Trim(recorded, "/")
	i := strings.LastIndexByte(recorded, '/')
	if i <= 0 {
		return nil
	}
	parent := recorded[:i]
	if err := syntax.CgroupParent(parent); err != nil {
		return fmt.Errorf("%w: recorded cgroup parent %v", ErrCgroupInvalidName, err)
	}
	return removeCgroupDirs(parent)
}

// removeCgroupDirs removes rel, relative to the root of the hierarchies.
func removeCgroupDirs(rel string) error {
	mgr, err := manager.New(cgroupConfig(rel))
	if err != nil {
		return fmt.Errorf("cgroup %s: %w", rel, err)
	}
	var errs []error
	for _, dir := range mgr.GetPaths() {
		if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
