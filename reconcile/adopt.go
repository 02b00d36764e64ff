package reconcile

import (
	"path/filepath"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/supervise"
)

// Adopt takes over the sub-agents a previous daemon left running (it
// crashed, was SIGKILLed, or kept them on exit): each record whose pid still
// has the recorded start time and sits in the recorded cgroup becomes that
// agent's process, uptime and all; the rest are discarded. Call it before
// the first SetDesired. Adopted agents are judged by the desired state like
// any other: unchanged ones keep running, changed ones are restarted,
// undesired ones removed once every source has reported.
func (r *Reconciler) Adopt(recs []actual.Record) {
	for _, rec := range recs {
		log := r.opts.Logger.With("agent", rec.Name, "pid", rec.Pid)
		proc, err := supervise.Adopt(supervise.Recorded{Pid: rec.Pid, StartTime: rec.StartTime, BootID: rec.BootID,
			Cgroup: rec.Cgroup, StartedAt: rec.StartedAt})
		if err != nil {
			log.Info("not adopted", "reason", err)
			r.records().Remove(rec.Name)
			continue
		}
		var cg *supervise.Cgroup
		if rec.Cgroup != "" {
			// The recorded cgroup, not one under the current cgroup_parent:
			// that is where the process and its limits are.
			if cg, err = supervise.OpenRecordedCgroup(rec.Cgroup, rec.Name); err != nil {
				log.Warn("adopted without its cgroup", "error", err)
			}
		}
		r.mu.Lock()
		r.observed[rec.Name] = actual.Agent{
			Name: rec.Name, Status: actual.Running, Pid: rec.Pid, StartedAt: rec.StartedAt,
			Restarts: rec.Restarts, Version: rec.Version, Source: rec.Source,
			AppliedHash: rec.AppliedHash, ProcessHash: rec.ProcessHash,
			BadHash: rec.BadHash, Message: rec.BadReason,
		}
		r.startWorkerLocked(rec.Name, func(w *worker) {
			w.proc, w.starts = proc, 1
			doc := rec.Doc
			doc.Source = rec.Source
			w.current, w.currentVersion = &doc, rec.Version
			if rec.BadHash != "" {
				// It ran instead of a doc that failed: keep not trying that.
				w.bad = &badTarget{hash: rec.BadHash, fallback: w.current, reason: rec.BadReason}
			}
			if cg != nil {
				w.cg = cg
				r.cgroups[rec.Name] = cg
				if st, err := cg.Stats(); err == nil {
					w.oomBase = st.OOMKills
				}
			}
		})
		r.mu.Unlock()
		log.Info("adopted running sub-agent", "started_at", rec.StartedAt)
	}
}

// AdoptRecorded adopts from the run records in the state dir (see Adopt);
// records that cannot be read are logged and discarded.
func (r *Reconciler) AdoptRecorded() {
	recs, errs := r.records().Load()
	for _, err := range errs {
		r.opts.Logger.Warn("run record discarded", "error", err)
	}
	r.Adopt(recs)
}

func (r *Reconciler) records() actual.Records {
	return actual.Records{Dir: filepath.Join(r.opts.StateDir, "run")}
}
