package reconcile

import (
	"errors"
	"fmt"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/crashpoint"
	"github.com/bootagent/bootagent/supervise"
)

// What a worker does to its agent: start, restart, stop, stage, apply
// limits live, and the run record that lets a next daemon adopt it.

// start starts doc's process when none runs.
func (w *worker) start(doc desired.Doc, opts Options) {
	inst, ok := w.fetchPackage(doc, opts)
	if !ok {
		return
	}
	spec, err := w.spec(doc, inst)
	if err != nil {
		// A command that is not there yet may appear: retried by the
		// policy, like a start that fails.
		w.startFailed(doc, opts, err.Error(), !errors.Is(err, supervise.ErrCommandNotFound))
		return
	}
	version := versionOf(doc, inst)
	w.remember(w.mem.Switching(doc, version))
	w.launch(doc, spec, version, opts)
}

// restart replaces the running process with one for doc. The new package
// is fetched and the new process checked while the old one keeps running:
// if the new one cannot be had or made, nothing is stopped.
func (w *worker) restart(doc desired.Doc, opts Options) {
	inst, ok := w.fetchPackage(doc, opts)
	if !ok {
		return
	}
	version := versionOf(doc, inst)
	spec, err := w.spec(doc, inst)
	if err != nil {
		if w.proc != nil {
			w.keepOld(doc, version, err.Error(), actual.EventRollback)
			return
		}
		w.startFailed(doc, opts, err.Error(), !errors.Is(err, supervise.ErrCommandNotFound))
		return
	}
	w.remember(w.mem.Switching(doc, version))
	crashpoint.Here("agent.switching")
	w.stop(opts, nil)
	w.launch(doc, spec, version, opts)
}

// launch puts doc's checked spec in its cgroup and starts it.
func (w *worker) launch(doc desired.Doc, spec supervise.Spec, version string, opts Options) {
	var err error
	if spec.Cgroup, err = w.prepareCgroup(doc, opts); err != nil {
		w.startFailed(doc, opts, err.Error(), true)
		return
	}
	proc, err := supervise.Start(spec)
	if err != nil {
		w.startFailed(doc, opts, err.Error(), false)
		return
	}
	w.proc = proc
	w.starts++
	w.running, w.version = &doc, version
	w.remember(w.mem.Started(doc, version, proc.StartedAt, opts.HealthWindow))
	w.log.Info("started", "pid", proc.Pid, "command", spec.Command, "version", version)
	if up := w.mem.Upgrade; up.Started() {
		w.health.Stop()
		w.health.Reset(time.Until(up.Until))
		w.log.Info("upgraded, in health window", "from", up.Prev.Version, "to", version, "window", opts.HealthWindow)
	}
	restarts := 0
	if a, ok := w.r.Agent(w.name); ok {
		restarts = a.Restarts
	}
	if w.starts > 1 {
		restarts++
	}
	// The record first: once status says running, a job may be judged
	// done, and a daemon crash must then find the process to adopt.
	w.saveRecord(doc, version, restarts)
	w.r.update(w.name, func(a *actual.Agent) {
		*a = actual.Agent{
			Name: w.name, Status: actual.Running, Pid: proc.Pid, StartedAt: proc.StartedAt,
			Restarts: restarts, Version: version, Source: doc.Source,
			AppliedHash: doc.Hash(), ProcessHash: doc.ProcessHash(), Limits: limitsMap(doc.Limits),
		}
		if b := w.mem.Bad; b != nil {
			a.Message, a.BadHash = b.Reason, b.Hash
		}
	})
}

// saveRecord writes down the running process for adoption after a daemon
// crash. Without a record a crash would mean a second copy at the next
// start, so a failure is logged loudly.
func (w *worker) saveRecord(doc desired.Doc, version string, restarts int) {
	st, err := supervise.ProcStartTime(w.proc.Pid)
	if err != nil {
		return // it already exited; onExit will follow
	}
	rec := actual.Record{
		Name: w.name, Pid: w.proc.Pid, StartTime: st, StartedAt: w.proc.StartedAt,
		Version: version, Source: doc.Source, ProcessHash: doc.ProcessHash(),
		AppliedHash: doc.Hash(), Restarts: restarts, Doc: doc,
	}
	if w.cg != nil {
		rec.Cgroup = w.cg.Path()
	}
	if err := w.r.records().Save(rec); err != nil {
		w.log.Error("run record not saved: a daemon crash now would not adopt this agent", "error", err)
	}
}

func (w *worker) dropRecord() {
	if err := w.r.records().Remove(w.name); err != nil {
		w.log.Error("run record not removed", "error", err)
	}
}

// stop stops the process if there is one. With doc (desired stopped) the
// agent is then marked stopped with that doc applied.
func (w *worker) stop(opts Options, doc *desired.Doc) {
	if w.proc != nil {
		st := w.proc.Stop(opts.StopGrace)
		w.log.Info("stopped", "pid", w.proc.Pid, "exit", st.String())
		w.proc = nil
	}
	w.emptyCgroup(true)
	w.dropRecord()
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.NextStart, a.Message = actual.Stopped, 0, time.Time{}, ""
		a.RestartRequested, a.BlockedHash = false, ""
		if doc != nil {
			a.AppliedHash, a.Source, a.Limits = doc.Hash(), doc.Source, limitsMap(doc.Limits)
		}
	})
	if doc != nil {
		w.remember(w.mem.Stopped())
	}
}

// stopAs brings the agent to doc, desired stopped: the process goes at
// once; then doc's package, if it names one, is fetched and unpacked so
// that an install or upgrade of a stopped agent is staged (and judged)
// now, not at its next start.
func (w *worker) stopAs(doc desired.Doc, opts Options) {
	w.stop(opts, &doc) // stopped as desired: a stop job is done now
	if doc.Package == nil {
		return
	}
	if obs, ok := w.r.Agent(w.name); ok && obs.PackageHash == doc.Hash() {
		return // staged already
	}
	if inst, ok := w.fetchPackage(doc, opts); ok {
		w.r.update(w.name, func(a *actual.Agent) {
			a.PackageHash, a.Version, a.Message, a.NextStart = doc.Hash(), inst.Version, "", time.Time{}
		})
	}
	// else: retried after a delay, or given up on (fatal)
}

// apply takes a doc whose process part is unchanged: limits are changed
// live in the cgroup (same pid), a policy change needs nothing done.
func (w *worker) apply(doc desired.Doc, opts Options) {
	if err := w.applyLimits(doc, opts); err != nil {
		// Not retried until the doc changes (BlockedHash); the process
		// keeps running under the limits it had.
		msg := "limits not applied: " + err.Error()
		w.log.Error("limits not applied", "error", err)
		w.r.update(w.name, func(a *actual.Agent) { a.Message, a.BlockedHash = msg, doc.Hash() })
		return
	}
	w.log.Info("desired state applied without restart", "limits", limitsText(doc.Limits))
	w.r.update(w.name, func(a *actual.Agent) {
		a.AppliedHash, a.Source, a.Limits, a.Message = doc.Hash(), doc.Source, limitsMap(doc.Limits), ""
	})
}

// shutdown ends the worker with the daemon: the process is stopped unless
// the daemon leaves agents running for the next start.
func (w *worker) shutdown() {
	if w.r.keepOnExit() {
		return
	}
	_, _, _, opts := w.r.view(w.name)
	w.stop(opts, nil)
}

// versionOf is the version doc runs: its package's, else the doc's own.
func versionOf(doc desired.Doc, inst *fetch.Installed) string {
	if inst != nil {
		return inst.Version
	}
	return doc.Version
}

func limitsMap(l desired.Limits) map[string]string {
	if l.CPU == "" && l.Memory == "" {
		return nil
	}
	m := map[string]string{}
	if l.CPU != "" {
		m["cpu"] = l.CPU
	}
	if l.Memory != "" {
		m["memory"] = l.Memory
	}
	return m
}

func (w *worker) applyLimits(doc desired.Doc, opts Options) error {
	limits, err := cgroupLimits(doc.Limits)
	if err != nil {
		return err
	}
	if w.cg == nil {
		if limits != (supervise.CgroupLimits{}) {
			return fmt.Errorf("the agent runs without a cgroup: %v", opts.CgroupErr)
		}
		return nil
	}
	return w.cg.Set(limits)
}
