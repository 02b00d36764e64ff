package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/supervise"
)

// worker serialises everything done to one agent. It wakes on a kick (the
// desired set changed, an operator asked), on its process's exit, or when a
// backoff ends; each time it re-plans from the newest desired state, so
// updates that arrived while it was busy collapse into one.
type worker struct {
	name    string
	r       *Reconciler
	ctx     context.Context
	kick    chan struct{}
	timer   *time.Timer // wakes the worker when a backoff or retry delay ends
	health  *time.Timer // fires when an upgrade's health window ends
	log     *slog.Logger
	proc    *supervise.Process
	cg      *supervise.Cgroup // nil: running without a cgroup
	oomBase uint64            // the cgroup's OOM kill count when the process started
	tracker supervise.Tracker
	starts  int

	// current is the doc the running (or last) process was started from,
	// currentVersion the version it runs (the package manifest's).
	current        *desired.Doc
	currentVersion string
	bad            *badTarget // desired doc that failed, with what runs instead
	upgrade        *upgrade   // an upgrade in its health window
	fetchFailures  int        // consecutive transient fetch failures
}

func (w *worker) wake() {
	select {
	case w.kick <- struct{}{}:
	default: // a wake-up is already pending; it will see the newest state
	}
}

func (w *worker) run(ctx context.Context) {
	w.ctx = ctx
	w.timer = time.NewTimer(time.Hour)
	w.timer.Stop()
	defer w.timer.Stop()
	w.health = time.NewTimer(time.Hour)
	w.health.Stop()
	defer w.health.Stop()
	for {
		var exited <-chan struct{}
		if w.proc != nil {
			exited = w.proc.Done()
		}
		select {
		case <-ctx.Done():
			w.shutdown()
			return
		case <-w.kick:
		case <-w.timer.C:
		case <-w.health.C:
			if w.upgrade != nil && w.proc != nil {
				_, _, _, opts := w.r.view(w.name)
				w.healthy(opts)
			}
		case <-exited:
			w.onExit()
		}
		desiredDoc, obs, ready, opts := w.r.view(w.name)
		doc := w.effectiveDoc(desiredDoc)
		act := PlanAgent(w.name, doc, obs, ready, time.Now())
		if act.Kind != None && act.Kind != Wait {
			w.log.Debug("reconcile", "action", act.Kind.String())
		}
		switch act.Kind {
		case Start:
			w.start(*doc, obs, opts, nil)
		case Stop:
			w.stop(opts, doc)
		case Restart:
			w.restart(*doc, obs, opts)
		case Apply:
			w.apply(*doc, opts)
		case Wait:
			w.wakeAfter(time.Until(act.At))
		case Remove:
			w.stop(opts, nil)
			w.uninstall(opts)
			if w.r.retire(w.name) {
				w.log.Info("removed: no longer desired")
				return
			}
		}
		// The action changed the observation: plan again at once if more is
		// due (e.g. a start that failed and backs off).
		if act.Kind == Start || act.Kind == Restart {
			w.wake()
		}
	}
}

// wakeAfter makes the worker look again after d.
func (w *worker) wakeAfter(d time.Duration) {
	w.timer.Stop()
	w.timer.Reset(d)
}

// restart replaces the running process with one for doc. A new package is
// fetched first, while the old version keeps running; if it cannot be had,
// nothing is stopped.
func (w *worker) restart(doc desired.Doc, obs *actual.Agent, opts Options) {
	inst, ok := w.fetchPackage(doc, opts)
	if !ok {
		return
	}
	prev, prevVer := w.current, w.currentVersion
	w.stop(opts, nil)
	w.tracker.Reset()
	w.start(doc, obs, opts, inst)
	if w.proc != nil && prev != nil && prev.Package != nil && inst != nil && prevVer != "" && prevVer != w.currentVersion {
		w.upgrade = &upgrade{target: doc, prev: *prev, prevVer: prevVer}
		w.health.Stop()
		w.health.Reset(opts.HealthWindow)
		w.log.Info("upgraded, in health window", "from", prevVer, "to", w.currentVersion, "window", opts.HealthWindow)
	}
}

// uninstall removes the agent's packages once it is no longer desired.
func (w *worker) uninstall(opts Options) {
	w.bad, w.upgrade, w.current, w.currentVersion = nil, nil, nil, ""
	if opts.Packages == nil {
		return
	}
	if err := opts.Packages.Remove(w.name); err != nil {
		w.log.Error("package not removed", "error", err)
	}
}

// start starts the process for doc, or records why it cannot run. inst is
// doc's package when the caller fetched it already.
func (w *worker) start(doc desired.Doc, prev *actual.Agent, opts Options, inst *fetch.Installed) {
	if prev != nil && (prev.BlockedHash != "" || prev.ProcessHash != doc.ProcessHash()) {
		w.tracker.Reset() // the doc changed: past failures were of another doc
	}
	if inst == nil && doc.Package != nil {
		var ok bool
		if inst, ok = w.fetchPackage(doc, opts); !ok {
			return
		}
	}
	version := doc.Version
	if inst != nil {
		version = inst.Version
	}
	spec, err := w.spec(doc, inst)
	if err != nil {
		w.block(doc, err.Error())
		return
	}
	if spec.Cgroup, err = w.prepareCgroup(doc, opts); err != nil {
		w.block(doc, err.Error())
		return
	}
	proc, err := supervise.Start(spec)
	if err != nil {
		w.failedRun(doc, opts, 0, supervise.ExitStatus{Known: true, Code: 127}, err.Error())
		return
	}
	w.proc = proc
	w.starts++
	w.current, w.currentVersion = &doc, version
	w.log.Info("started", "pid", proc.Pid, "command", spec.Command, "version", version)
	var restarts int
	w.r.update(w.name, func(a *actual.Agent) {
		if w.starts > 1 {
			a.Restarts++
		}
		restarts = a.Restarts
		*a = actual.Agent{
			Name: w.name, Status: actual.Running, Pid: proc.Pid, StartedAt: proc.StartedAt,
			Restarts: a.Restarts, Version: version, Source: doc.Source,
			AppliedHash: doc.Hash(), ProcessHash: doc.ProcessHash(), Limits: limitsMap(doc.Limits),
		}
		if w.bad != nil {
			a.Message, a.BadHash = w.bad.reason, w.bad.hash
		}
	})
	w.saveRecord(doc, version, restarts)
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
	if w.bad != nil {
		rec.BadHash, rec.BadReason = w.bad.hash, w.bad.reason
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
	w.tracker.Reset()
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

// onExit handles an exit nobody asked for: the restart policy decides.
func (w *worker) onExit() {
	proc := w.proc
	w.proc = nil
	st := proc.Exit()
	oom := w.oomKilled()
	// Nothing of the previous run may live on beside the next one.
	proc.KillGroupLeftovers()
	w.emptyCgroup(false)
	w.dropRecord()
	desiredDoc, _, _, opts := w.r.view(w.name)
	doc := w.effectiveDoc(desiredDoc)
	if doc == nil || doc.DesiredState() == desired.Stopped {
		w.r.update(w.name, func(a *actual.Agent) { a.Status, a.Pid = actual.Stopped, 0 })
		return
	}
	why := st.String()
	if oom {
		why = "killed by the kernel: out of memory (limit " + doc.Limits.Memory + "), " + why
		if !st.Known || st.Signal == 0 {
			// OOM-killed child of the agent: the agent is still counted as
			// killed, whatever its own exit.
			st = supervise.ExitStatus{Known: true, Code: 137, Signal: 9}
		}
	}
	if w.upgrade != nil {
		w.health.Stop()
		w.rollback(why)
		return
	}
	w.failedRun(*doc, opts, time.Since(proc.StartedAt), st, why)
}

// failedRun applies the restart policy to a run that ended (or never began)
// and records the outcome: backoff until the delay ends, or fatal.
func (w *worker) failedRun(doc desired.Doc, opts Options, ran time.Duration, st supervise.ExitStatus, why string) {
	policy := doc.Restart.Apply(opts.Policy)
	p := supervise.Policy{Delay: policy.Delay.D(), Window: policy.Window.D(), MaxFailures: policy.MaxFailures}
	fatal := w.tracker.Exit(p, ran, st)
	tail := supervise.Tail(w.r.LogPath(w.name), 10)
	evType, status := actual.EventExited, actual.Backoff
	if st.Signal != 0 {
		evType, status = actual.EventKilled, actual.Killed
	}
	w.log.Warn("exited", "reason", why, "ran", ran.Round(time.Millisecond), "failures", w.tracker.Failures)
	w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: evType, Message: why, LogTail: tail})
	if fatal {
		msg := fmt.Sprintf("fatal after %d abnormal exits (last: %s)", w.tracker.Failures, why)
		w.log.Error("gave up", "reason", msg)
		w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventFatal, Message: msg, LogTail: tail})
		w.r.update(w.name, func(a *actual.Agent) {
			a.Status, a.Pid, a.Message, a.BlockedHash = actual.Fatal, 0, msg, doc.Hash()
			a.NextStart, a.RestartRequested = time.Time{}, false
			a.AppliedHash, a.ProcessHash = doc.Hash(), doc.ProcessHash()
		})
		return
	}
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.Message = status, 0, why
		a.NextStart, a.RestartRequested = time.Now().Add(p.Delay), false
		a.AppliedHash, a.ProcessHash = doc.Hash(), doc.ProcessHash()
	})
}

// block records a terminal error for doc: it is not retried until the doc
// changes or an operator asks for a restart.
func (w *worker) block(doc desired.Doc, msg string) {
	w.log.Error("cannot start", "reason", msg)
	w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventFatal, Message: msg})
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.Message, a.BlockedHash = actual.Fatal, 0, msg, doc.Hash()
		a.NextStart, a.RestartRequested = time.Time{}, false
		a.AppliedHash, a.ProcessHash, a.Source = doc.Hash(), doc.ProcessHash(), doc.Source
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
