package supervise

import (
	"fmt"

	"github.com/opencontainers/cgroups"
)

// Stats reads CPU time, memory usage and the OOM-kill count. Only the cpu
// and memory controllers are queried: the others cost reads and can fail
// on kernels that lack them, for numbers nobody uses.
func (c *Cgroup) Stats() (CgroupStats, error) {
	st, err := c.mgr.Stats(&cgroups.StatsOptions{Controllers: cgroups.CPU | cgroups.Memory})
	if err != nil {
		return CgroupStats{}, fmt.Errorf("%s: read stats: %w", c, err)
	}
	// v1 memory.oom_control "oom_kill" (kernel 4.13+), v2 memory.events.
	ooms, err := c.mgr.OOMKillCount()
	if err != nil {
		return CgroupStats{}, fmt.Errorf("%s: read oom kill count: %w", c, err)
	}
	return CgroupStats{
		CPUSeconds:  float64(st.CpuStats.CpuUsage.TotalUsage) / 1e9,
		MemoryBytes: st.MemoryStats.Usage.Usage,
		OOMKills:    ooms,
	}, nil
}
