package supervise

import (
	"errors"
	"fmt"
	"os"

	"github.com/bootagent/bootagent/syntax"

	"github.com/opencontainers/cgroups/manager"
)

// RemoveCgroupParent removes the (empty) parent cgroup directory in every
// hierarchy, once the daemon has stopped all its agents. rmdir refuses a
// cgroup that still has children, so agents left running are never
// touched: such a parent simply stays.
func RemoveCgroupParent(parent string) error {
	if parent == "" {
		return nil
	}
	if err := syntax.CgroupParent(parent); err != nil { // config validation's rule
		return fmt.Errorf("%w: cgroup_parent %v", ErrCgroupInvalidName, err)
	}
	mgr, err := manager.New(cgroupConfig(parent))
	if err != nil {
		return fmt.Errorf("cgroup %s: %w", parent, err)
	}
	var errs []error
	for _, dir := range mgr.GetPaths() {
		if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
