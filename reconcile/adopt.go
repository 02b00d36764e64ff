package reconcile

import (
	"path/filepath"
	"time"

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
	r.restore(recs, nil)
}

// AdoptRecorded restores what the state dir holds: every agent's memory
// (failures, give-ups, bad targets, upgrades: lifecycle.go) and the
// processes its run records name (see Adopt). Unreadable files are logged;
// a record that cannot be read adopts nothing.
func (r *Reconciler) AdoptRecorded() {
	mems, errs := r.memories().load()
	for _, err := range errs {
		r.opts.Logger.Warn("agent memory not restored", "error", err)
	}
	recs, errs := r.records().Load()
	for _, err := range errs {
		r.opts.Logger.Warn("run record discarded", "error", err)
	}
	r.restore(recs, mems)
}

// restore starts a worker for every agent recorded or remembered: adopted
// ones own their process; the others start from what their memory says (a
// fatal agent stays fatal; one that is no longer desired is removed, its
// packages uninstalled, once every source has reported).
func (r *Reconciler) restore(recs []actual.Record, mems map[string]Memory) {
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
		mem := mems[rec.Name]
		delete(mems, rec.Name)
		if mem.Last == nil {
			// Recorded by a bootagent that kept no memory (an older
			// version): what runs is what a later upgrade rolls back to.
			mem.Last = &Ran{Doc: rec.Doc, Version: rec.Version}
			mem.Last.Doc.Source = rec.Source
		}
		r.mu.Lock()
		obs := actual.Agent{
			Name: rec.Name, Status: actual.Running, Pid: rec.Pid, StartedAt: rec.StartedAt,
			Restarts: rec.Restarts, Version: rec.Version, Source: rec.Source,
			AppliedHash: rec.AppliedHash, ProcessHash: rec.ProcessHash,
		}
		if mem.Bad != nil {
			obs.BadHash, obs.Message = mem.Bad.Hash, mem.Bad.Reason
		}
		r.observed[rec.Name] = obs
		r.startWorkerLocked(rec.Name, func(w *worker) {
			w.proc, w.starts = proc, 1
			doc := rec.Doc
			doc.Source = rec.Source
			w.running, w.version = &doc, rec.Version
			w.setMemory(mem)
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
	for name, mem := range mems {
		r.mu.Lock()
		r.observed[name] = rememberedAgent(name, mem)
		r.startWorkerLocked(name, func(w *worker) { w.setMemory(mem) })
		r.mu.Unlock()
	}
}

// rememberedAgent is what is known of an agent with no process after a
// daemon start: fatal if it gave up, else not started yet.
func rememberedAgent(name string, m Memory) actual.Agent {
	a := actual.Agent{Name: name, Status: actual.Stopped}
	if m.Last != nil {
		a.Version, a.Source = m.Last.Version, m.Last.Doc.Source
	}
	if m.Bad != nil {
		a.BadHash, a.Message = m.Bad.Hash, m.Bad.Reason
	}
	if f := m.Fatal; f != nil {
		a.Status, a.BlockedHash, a.AppliedHash, a.Message = actual.Fatal, f.Hash, f.Hash, f.Message
		a.NextStart = time.Time{}
	}
	return a
}

func (r *Reconciler) records() actual.Records {
	return actual.Records{Dir: filepath.Join(r.opts.StateDir, "run")}
}

func (r *Reconciler) memories() memoryStore {
	return memoryStore{dir: filepath.Join(r.opts.StateDir, "memory")}
}
