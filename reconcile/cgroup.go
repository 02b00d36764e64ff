package reconcile

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
	"github.com/bootagent/bootagent/syntax"
)

// cgroupLimits converts the limits as written to what the cgroup takes,
// with the functions desired/ validated them with: a limit that validated
// converts.
func cgroupLimits(l desired.Limits) (supervise.CgroupLimits, error) {
	var out supervise.CgroupLimits
	var err error
	if l.CPU != "" {
		if out.CPUPercent, err = syntax.ParseCPU(l.CPU); err != nil {
			return out, err
		}
	}
	if l.Memory != "" {
		if out.MemoryBytes, err = syntax.ParseMemory(l.Memory); err != nil {
			return out, err
		}
	}
	return out, nil
}

// prepareCgroup opens the agent's cgroup, empties it of strays (processes
// left by a previous run that no record adopted) so that there are never
// two copies, and sets doc's limits. The order matters: a memory limit
// below what the strays hold cannot be set (EBUSY on v1), so they are
// killed and their memory reclaimed first. It returns nil, nil when
// cgroups are not available here and the agent asks for no limits: it then
// runs without.
func (w *worker) prepareCgroup(doc desired.Doc, opts Options) (*supervise.Cgroup, error) {
	limits, err := cgroupLimits(doc.Limits)
	if err != nil {
		return nil, fmt.Errorf("limits: %w", err)
	}
	if opts.CgroupErr != nil {
		if limits != (supervise.CgroupLimits{}) {
			return nil, fmt.Errorf("limits %s need cgroups, which cannot be used here: %v", limitsText(doc.Limits), opts.CgroupErr)
		}
		return nil, nil
	}
	cg, err := w.cgroupFor(opts.CgroupParent)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if pids, _ := cg.Pids(); len(pids) > 0 {
		w.log.Warn("killing stray processes in the agent's cgroup before starting it", "pids", pids)
		if err := cg.KillAll(ctx); err != nil {
			return nil, err
		}
	}
	if limits.MemoryBytes > 0 {
		if err := cg.Reclaim(); err != nil {
			w.log.Debug("cgroup memory not reclaimed before start", "error", err)
		}
	}
	if err := cg.Ensure(limits); err != nil {
		return nil, err
	}
	if st, err := cg.Stats(); err == nil {
		w.oomBase = st.OOMKills
	}
	return cg, nil
}

// cgroupFor returns the cgroup a new run of the agent goes in:
// <parent>/<name>. An agent adopted from a daemon with another
// cgroup_parent kept its recorded cgroup while it ran; this run moves it,
// and the old cgroup (emptied) is removed.
func (w *worker) cgroupFor(parent string) (*supervise.Cgroup, error) {
	want, err := supervise.CgroupPath(parent, w.name)
	if err != nil {
		return nil, err
	}
	if w.cg != nil && w.cg.Path() == want {
		return w.cg, nil
	}
	if w.cg != nil {
		old := w.cg.Path()
		w.log.Info("moving the agent to the configured cgroup", "from", old, "to", want)
		w.emptyCgroup(true)
		// The old parent goes with its last agent; rmdir refuses while
		// other adopted agents still run under it.
		if i := strings.LastIndexByte(old, '/'); i > 0 {
			if err := supervise.RemoveRecordedCgroupParent(old); err == nil {
				w.log.Info("removed the previous cgroup parent", "parent", old[:i])
			}
		}
	}
	cg, err := supervise.OpenCgroup(parent, w.name)
	if err != nil {
		return nil, err
	}
	w.setCgroup(cg)
	return cg, nil
}

// setCgroup records the worker's cgroup (also for status readers).
func (w *worker) setCgroup(cg *supervise.Cgroup) {
	w.cg = cg
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	if cg == nil {
		delete(w.r.cgroups, w.name)
	} else {
		w.r.cgroups[w.name] = cg
	}
}

// emptyCgroup kills whatever is left in the cgroup (processes that left
// the process group included); with destroy it also removes the cgroup.
func (w *worker) emptyCgroup(destroy bool) {
	if w.cg == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.cg.KillAll(ctx); err != nil {
		w.log.Error("cgroup not emptied", "error", err)
		return
	}
	if destroy {
		if err := w.cg.Destroy(); err != nil {
			w.log.Error("cgroup not removed", "error", err)
			return
		}
		w.setCgroup(nil)
	}
}

// oomKilled reports whether the kernel OOM-killed a process of the agent
// since it started.
func (w *worker) oomKilled() bool {
	if w.cg == nil {
		return false
	}
	st, err := w.cg.Stats()
	return err == nil && st.OOMKills > w.oomBase
}

func limitsText(l desired.Limits) string {
	s := ""
	if l.CPU != "" {
		s = "cpu " + l.CPU
	}
	if l.Memory != "" {
		if s != "" {
			s += ", "
		}
		s += "memory " + l.Memory
	}
	return s
}

// FormatLimits writes limits read back from a cgroup as the desired files
// write them: cpu "10%", memory "20M" (exact multiples) or bytes.
func FormatLimits(l supervise.CgroupLimits) map[string]string {
	m := map[string]string{}
	if l.CPUPercent > 0 {
		m["cpu"] = strconv.FormatFloat(l.CPUPercent, 'f', -1, 64) + "%"
	}
	if b := l.MemoryBytes; b > 0 {
		switch {
		case b%(1<<30) == 0:
			m["memory"] = strconv.FormatInt(b>>30, 10) + "G"
		case b%(1<<20) == 0:
			m["memory"] = strconv.FormatInt(b>>20, 10) + "M"
		case b%(1<<10) == 0:
			m["memory"] = strconv.FormatInt(b>>10, 10) + "K"
		default:
			m["memory"] = strconv.FormatInt(b, 10)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
