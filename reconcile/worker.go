package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// worker serialises everything done to one agent. It wakes on a kick (the
// desired set changed, an operator asked), on its process's exit, or when a
// backoff ends; each time it re-plans from the newest desired state, so
// updates that arrived while it was busy collapse into one.
type worker struct {
	name    string
	r       *Reconciler
	kick    chan struct{}
	log     *slog.Logger
	proc    *supervise.Process
	cg      *supervise.Cgroup // nil: running without a cgroup
	oomBase uint64            // the cgroup's OOM kill count when the process started
	tracker supervise.Tracker
	starts  int
}

func (w *worker) wake() {
	select {
	case w.kick <- struct{}{}:
	default: // a wake-up is already pending; it will see the newest state
	}
}

func (w *worker) run(ctx context.Context) {
	backoff := time.NewTimer(time.Hour)
	backoff.Stop()
	defer backoff.Stop()
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
		case <-backoff.C:
		case <-exited:
			w.onExit()
		}
		doc, obs, ready, opts := w.r.view(w.name)
		act := PlanAgent(w.name, doc, obs, ready, time.Now())
		if act.Kind != None && act.Kind != Wait {
			w.log.Debug("reconcile", "action", act.Kind.String())
		}
		switch act.Kind {
		case Start:
			w.start(*doc, obs, opts)
		case Stop:
			w.stop(opts, doc)
		case Restart:
			w.stop(opts, nil)
			w.tracker.Reset()
			w.start(*doc, obs, opts)
		case Apply:
			w.apply(*doc, opts)
		case Wait:
			backoff.Reset(time.Until(act.At))
		case Remove:
			w.stop(opts, nil)
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

// start starts the process for doc, or records why it cannot run.
func (w *worker) start(doc desired.Doc, prev *actual.Agent, opts Options) {
	if prev != nil && (prev.BlockedHash != "" || prev.ProcessHash != doc.ProcessHash()) {
		w.tracker.Reset() // the doc changed: past failures were of another doc
	}
	spec, err := w.spec(doc, opts)
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
	w.log.Info("started", "pid", proc.Pid, "command", doc.Command)
	var restarts int
	w.r.update(w.name, func(a *actual.Agent) {
		if w.starts > 1 {
			a.Restarts++
		}
		restarts = a.Restarts
		*a = actual.Agent{
			Name: w.name, Status: actual.Running, Pid: proc.Pid, StartedAt: proc.StartedAt,
			Restarts: a.Restarts, Version: doc.Version, Source: doc.Source,
			AppliedHash: doc.Hash(), ProcessHash: doc.ProcessHash(), Limits: limitsMap(doc.Limits),
		}
	})
	w.saveRecord(doc, restarts)
}

// saveRecord writes down the running process for adoption after a daemon
// crash. Without a record a crash would mean a second copy at the next
// start, so a failure is logged loudly.
func (w *worker) saveRecord(doc desired.Doc, restarts int) {
	st, err := supervise.ProcStartTime(w.proc.Pid)
	if err != nil {
		return // it already exited; onExit will follow
	}
	rec := actual.Record{
		Name: w.name, Pid: w.proc.Pid, StartTime: st, StartedAt: w.proc.StartedAt,
		Version: doc.Version, Source: doc.Source, ProcessHash: doc.ProcessHash(),
		AppliedHash: doc.Hash(), Restarts: restarts,
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
	doc, _, _, opts := w.r.view(w.name)
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
		msg := "fatal after " + itoa(w.tracker.Failures) + " abnormal exits (last: " + why + ")"
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
	if w.proc != nil {
		_, _, _, opts := w.r.view(w.name)
		st := w.proc.Stop(opts.StopGrace)
		w.log.Info("stopped at shutdown", "pid", w.proc.Pid, "exit", st.String())
		w.proc = nil
	}
	w.emptyCgroup(true)
	w.dropRecord()
	w.r.update(w.name, func(a *actual.Agent) { a.Status, a.Pid = actual.Stopped, 0 })
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
