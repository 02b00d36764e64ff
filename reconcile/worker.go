package reconcile

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
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

	sys systemWatch // drift checks of an install: system package (system_packages.go)
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
		case <-w.sys.tick():
			_, _, _, opts := w.r.view(w.name)
			w.checkDrift(opts)
			continue
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
	// ForDesired only ever clears Bad or Fatal (and the count with it);
	// when it cleared nothing there is nothing to persist, and this runs
	// on every wake-up of every worker (a new desired set wakes them all).
	if m.Bad == w.mem.Bad && m.Fatal == w.mem.Fatal {
		return
	}
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

// setMemory gives a worker the memory restored for it, as persisted.
func (w *worker) setMemory(m Memory) {
	w.mem = m
	if b, err := json.Marshal(m); err == nil && !isZeroMemory(m) {
		w.saved = b
	}
}
