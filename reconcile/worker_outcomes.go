package reconcile

import (
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// What a worker makes of a run that ended or a start that failed: the
// lifecycle decides (lifecycle.go), these carry the decision out: events,
// status, and what is planned next.

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
		label = doc.Package.ShownURL()
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
