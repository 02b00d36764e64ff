package supervise

import "github.com/opencontainers/cgroups"

// Reclaim asks the kernel to drop what the cgroup's previous processes
// left charged to it (page cache of files they wrote, kernel memory), so
// that a new process under a tight memory limit does not start with part
// of its limit already used. Only meaningful while the cgroup is empty.
// On v1 this is memory.force_empty; v2 reclaims such memory under
// pressure by itself, so there it does nothing.
func (c *Cgroup) Reclaim() error {
	if c.v2 {
		return nil
	}
	return cgroups.WriteFile(c.dir, "memory.force_empty", "0")
}
