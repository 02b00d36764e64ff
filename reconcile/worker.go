package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/crashpoint"
	"github.com/bootagent/bootagent/supervise"
)

// worker serialises everything done to one agent. It wakes on a kick (the
// desired set changed, an operator asked), on its process's exit, or when a
// backoff ends; each time it re-plans from the newest desired state, so
// updates that arrived while it was busy collapse into one. What it must
// not forget (failures, give-ups, bad targets, upgrades) is its Memory,
// persisted before it acts on each change (lifecycle.go).
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
	starts  int

	mem   Memory
	saved []byte // mem as last persisted; nil when nothing is

	// running is the doc the process was started from and version the
	// version it runs (the package manifest's).
	running *desired.Doc
	version string

	fetchFailures int      // consecutive transient fetch failures
	fetching      fetchCtl // the download in progress, cancelled when no longer wanted
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
	w.resume()
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
			w.healthCheck()
		case <-exited:
			w.onExit()
		}
		desiredDoc, obs, ready, opts := w.r.view(w.name)
		w.forDesired(desiredDoc)
		doc := w.mem.Effective(desiredDoc)
		act := PlanAgent(w.name, doc, obs, ready, time.Now())
		if act.Kind != None && act.Kind != Wait {
			w.log.Debug("reconcile", "action", act.Kind.String())
		}
		switch act.Kind {
		case Start:
			w.start(*doc, opts)
		case Stop:
			w.stopAs(*doc, opts)
		case Restart:
			if obs != nil && obs.RestartRequested {
				w.remember(w.mem.Restarted())
			}
			w.restart(*doc, opts)
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

// resume is the worker's first step after a daemon start: an upgrade whose
// target died while no daemon watched rolls back; one whose target runs
// gets the rest of its health window.
func (w *worker) resume() {
	m, dec := w.mem.Resumed(w.proc != nil)
	if dec.Kind == RollBack {
		w.remember(m)
		w.rolledBack(dec.Message, "")
		return
	}
	if w.proc != nil && w.mem.Upgrade.Started() {
		w.health.Reset(max(time.Until(w.mem.Upgrade.Until), 0))
	}
}

// remember makes m the worker's memory, persisting it first when it
// changed. A failed write is logged loudly: the decision still holds for
// this run of the daemon, only a crash now would forget it.
func (w *worker) remember(m Memory) {
	b, err := json.Marshal(m)
	if err == nil && string(b) == string(w.saved) {
		w.mem = m
		return
	}
	if err == nil {
		err = w.r.memories().save(w.name, m)
	}
	if err != nil {
		w.log.Error("agent memory not saved: a daemon crash now would forget it", "error", err)
	} else {
		w.saved = b
	}
	w.mem = m
}

// forDesired drops the marks the desired doc no longer concerns.
func (w *worker) forDesired(doc *desired.Doc) {
	m := w.mem.ForDesired(doc)
	if m.Bad == nil && w.mem.Bad != nil {
		w.r.update(w.name, func(a *actual.Agent) { a.BadHash = "" })
	}
	w.remember(m)
}

// wakeAfter makes the worker look again after d.
func (w *worker) wakeAfter(d time.Duration) {
	w.timer.Stop()
	w.timer.Reset(d)
}

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

// onExit handles an exit nobody asked for: the lifecycle decides.
func (w *worker) onExit() {
	proc, ranDoc := w.proc, w.running
	w.proc = nil
	st := proc.Exit()
	oom := w.oomKilled()
	// Nothing of the previous run may live on beside the next one.
	proc.KillGroupLeftovers()
	w.emptyCgroup(false)
	w.dropRecord()
	desiredDoc, _, _, opts := w.r.view(w.name)
	doc := w.mem.Effective(desiredDoc)
	if (doc != nil && doc.DesiredState() == desired.Stopped) || ranDoc == nil {
		w.r.update(w.name, func(a *actual.Agent) { a.Status, a.Pid = actual.Stopped, 0 })
		return
	}
	// Judged as the doc it ran, even before the first desired set is
	// known (an adopted agent may exit at once): an upgrade's target that
	// dies in its window must roll back whenever that happens.
	why := st.String()
	if oom {
		why = "killed by the kernel: out of memory (limit " + ranDoc.Limits.Memory + "), " + why
		if !st.Known || st.Signal == 0 {
			// OOM-killed child of the agent: the agent is still counted as
			// killed, whatever its own exit.
			st = supervise.ExitStatus{Known: true, Code: 137, Signal: 9}
		}
	}
	m, dec := w.mem.Exited(*ranDoc, time.Since(proc.StartedAt), st, why, w.policy(*ranDoc, opts), time.Now())
	w.health.Stop()
	w.remember(m)
	w.decided(*ranDoc, dec, st, time.Since(proc.StartedAt), why)
}

// startFailed hands a start that failed (why) to the lifecycle.
func (w *worker) startFailed(doc desired.Doc, opts Options, why string, terminal bool) {
	m, dec := w.mem.StartFailed(doc, why, terminal, w.policy(doc, opts), time.Now())
	w.remember(m)
	st := supervise.ExitStatus{Known: true, Code: 127}
	if terminal && dec.Kind == GiveUp {
		w.log.Error("cannot start", "reason", why)
		w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventFatal, Message: why})
		w.fatal(doc, why)
		return
	}
	w.decided(doc, dec, st, 0, why)
}

// decided carries out the decision about a run of doc that ended (or never
// began) with st after ran, for why: events, status, and what is planned
// next.
func (w *worker) decided(doc desired.Doc, dec Decision, st supervise.ExitStatus, ran time.Duration, why string) {
	if dec.Kind == RollBack {
		w.rolledBack(dec.Message, supervise.Tail(w.r.LogPath(w.name), 10))
		return
	}
	tail := supervise.Tail(w.r.LogPath(w.name), 10)
	evType, status := actual.EventExited, actual.Backoff
	if st.Signal != 0 {
		evType, status = actual.EventKilled, actual.Killed
	}
	w.log.Warn("exited", "reason", why, "ran", ran.Round(time.Millisecond), "failures", w.mem.Failures)
	w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: evType, Message: why, LogTail: tail})
	if dec.Kind == GiveUp {
		w.log.Error("gave up", "reason", dec.Message)
		w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventFatal, Message: dec.Message, LogTail: tail})
		w.fatal(doc, dec.Message)
		return
	}
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.Message = status, 0, why
		a.NextStart, a.RestartRequested = dec.Until, false
		a.AppliedHash, a.ProcessHash = doc.Hash(), doc.ProcessHash()
	})
}

// rolledBack shows a rollback: the event, and the agent waiting to start
// its previous version at once (the next plan does, from Effective).
func (w *worker) rolledBack(reason, tail string) {
	w.log.Error("upgrade failed, rolling back", "reason", reason)
	w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventRollback, Message: reason, LogTail: tail})
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.Message, a.NextStart = actual.Backoff, 0, reason, time.Time{}
		a.BadHash, a.BlockedHash, a.RestartRequested = w.mem.Bad.Hash, "", false
	})
	w.wake()
}

// keepOld marks doc bad while the process running now keeps running: it
// cannot be had (install_failed) or cannot be started (rollback), and why.
func (w *worker) keepOld(doc desired.Doc, version, why, event string) {
	label := version
	if label == "" && doc.Package != nil { // server jobs name no version: the package does
		label = doc.Package.URL
	}
	m, dec := w.mem.Unrunnable(doc, label, why, w.proc != nil)
	w.remember(m)
	if dec.Kind != KeepOld {
		w.fatal(doc, dec.Message)
		return
	}
	w.log.Error("target cannot run; the running version keeps running", "reason", dec.Message)
	if event == actual.EventRollback {
		w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: event, Message: dec.Message})
	}
	var restarts int
	w.r.update(w.name, func(a *actual.Agent) {
		// A restart asked for is done with: asking again would fail again.
		a.Message, a.BadHash, restarts = dec.Message, m.Bad.Hash, a.Restarts
		a.RestartRequested = false
	})
	w.saveRecord(*w.running, w.version, restarts)
}

// fatal shows that the agent gave up on doc (msg): nothing is retried
// until the doc changes or an operator asks for a restart.
func (w *worker) fatal(doc desired.Doc, msg string) {
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.Message, a.BlockedHash = actual.Fatal, 0, msg, doc.Hash()
		a.NextStart, a.RestartRequested = time.Time{}, false
		a.AppliedHash, a.ProcessHash, a.Source = doc.Hash(), doc.ProcessHash(), doc.Source
	})
}

func (w *worker) policy(doc desired.Doc, opts Options) supervise.Policy {
	p := doc.Restart.Apply(opts.Policy)
	return supervise.Policy{Delay: p.Delay.D(), Window: p.Window.D(), MaxFailures: p.MaxFailures}
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

// setMemory gives a worker the memory restored for it, as persisted.
func (w *worker) setMemory(m Memory) {
	w.mem = m
	if b, err := json.Marshal(m); err == nil && !isZeroMemory(m) {
		w.saved = b
	}
}
