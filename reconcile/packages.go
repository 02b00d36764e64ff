package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/supervise"
)

// PackageStore is where agents' packages come from (fetch.Store). Called
// by agent workers, concurrently for different agents.
type PackageStore interface {
	Fetch(ctx context.Context, req fetch.Request) (*fetch.Installed, error)
	Remove(name string) error
	GC(name string, keep ...string) error
	List(name string) ([]fetch.Installed, error)
}

var _ PackageStore = (*fetch.Store)(nil)

// errNotWanted ends a download whose doc is no longer desired (stopped,
// removed, or replaced by another doc): waiting it out would hold up the
// stop or the newer doc for as long as the download takes.
var errNotWanted = errors.New("download no longer wanted")

// fetchCtl is the download in progress of one worker. The worker sets it;
// the reconciler cancels it (Reconciler.SetDesired, from another
// goroutine) when the desired doc no longer needs it.
type fetchCtl struct {
	mu     sync.Mutex
	wanted []string // Hashes of the desired docs the download serves
	cancel context.CancelCauseFunc
}

// begin starts a download serving the desired docs with these hashes (the
// doc fetched for, and the bad target it stands in for, if any).
func (f *fetchCtl) begin(ctx context.Context, wanted ...string) context.Context {
	c, cancel := context.WithCancelCause(ctx)
	f.mu.Lock()
	f.wanted, f.cancel = wanted, cancel
	f.mu.Unlock()
	return c
}

func (f *fetchCtl) end() {
	f.mu.Lock()
	if f.cancel != nil {
		f.cancel(nil)
	}
	f.wanted, f.cancel = nil, nil
	f.mu.Unlock()
}

// desiredNow cancels the download in progress unless doc (nil: no longer
// desired) still wants it: a doc stopped meanwhile is another doc (its
// package is staged afresh, a stop never waits for it).
func (f *fetchCtl) desiredNow(doc *desired.Doc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancel == nil {
		return
	}
	if doc == nil || !slices.Contains(f.wanted, doc.Hash()) {
		f.cancel(errNotWanted)
	}
}

// fetchPackage gets doc's package, with status installing while it runs.
// ok is false when the package cannot be had now; the outcome is then
// recorded: retried later for a transient error, or terminal (marked bad,
// with the running version kept, or fatal when nothing runs). A download
// that became unwanted meanwhile just ends: the next plan sees why.
func (w *worker) fetchPackage(doc desired.Doc, opts Options) (*fetch.Installed, bool) {
	if doc.Package == nil {
		return nil, true
	}
	if opts.Packages == nil {
		w.fatal(doc, fmt.Sprintf("package %s: %v", doc.Package.ShownURL(), ErrNoPackageSupport))
		return nil, false
	}
	stopped := doc.DesiredState() == desired.Stopped // staged, not started: it stays stoped
	w.r.update(w.name, func(a *actual.Agent) {
		a.Installing = true
		if !a.Running() && !stopped {
			a.Status, a.Message = actual.Installing, "fetching "+doc.Package.ShownURL()
		}
	})
	w.log.Info("fetching package", "url", doc.Package.ShownURL(), "version", doc.Version)
	wanted := []string{doc.Hash()}
	if w.mem.Bad != nil {
		wanted = append(wanted, w.mem.Bad.Hash)
	}
	ctx := w.fetching.begin(w.ctx, wanted...)
	inst, err := opts.Packages.Fetch(ctx, fetch.Request{
		Name: w.name, Version: doc.Version, URL: doc.Package.URL, Checksum: doc.Package.Checksum, Signature: doc.Package.Signature,
		Install: doc.Package.Install,
	})
	cause := context.Cause(ctx)
	if err == nil && inst.System {
		err = w.installSystem(inst, opts)
	}
	w.fetching.end()
	w.r.update(w.name, func(a *actual.Agent) { a.Installing = false })
	if err == nil && len(doc.Command) == 0 && len(inst.Manifest.Command) == 0 {
		err = fmt.Errorf("package %s %s: %w", w.name, inst.Version, ErrNoCommand)
	}
	if err == nil {
		w.fetchFailures = 0
		return inst, true
	}
	if w.ctx.Err() != nil {
		return nil, false // shutting down
	}
	if errors.Is(cause, errNotWanted) {
		w.log.Info("download cancelled: the desired state changed", "url", doc.Package.ShownURL())
		w.r.update(w.name, func(a *actual.Agent) {
			if !a.Running() && a.Status == actual.Installing {
				a.Status, a.Message = actual.Stopped, ""
			}
		})
		w.wake()
		return nil, false
	}
	if !fetch.IsTerminal(err) && !errors.Is(err, ErrNoCommand) && !systemTerminal(err) {
		w.fetchFailures++
		delay := fetchBackoff(w.fetchFailures)
		msg := fmt.Sprintf("download failed, retrying in %v: %v", delay, err)
		w.log.Warn("package fetch failed", "error", err, "retry_in", delay)
		w.r.update(w.name, func(a *actual.Agent) {
			a.Message = msg
			if !a.Running() {
				a.Status, a.NextStart = actual.Backoff, time.Now().Add(delay)
				if stopped {
					a.Status = actual.Stopped // stopped as desired; only its package is retried
				}
				a.ProcessHash = doc.ProcessHash() // so Plan waits out the backoff
			}
		})
		w.wakeAfter(delay)
		return nil, false
	}
	w.installFailed(doc, err)
	return nil, false
}

// installFailed records a terminal install failure: an install_failed event,
// and either the running version kept (the target marked bad) or fatal.
func (w *worker) installFailed(doc desired.Doc, err error) {
	msg := "install failed: " + err.Error()
	w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventInstallFailed, Message: msg})
	if w.proc == nil {
		w.log.Error("install failed", "error", err)
	}
	w.keepOld(doc, doc.Version, msg, actual.EventInstallFailed)
}

// healthCheck ends an upgrade's health window once its target outlived
// it: the new version stays, versions older than the one before it go.
func (w *worker) healthCheck() {
	if w.proc == nil {
		return
	}
	m, up := w.mem.HealthOver(time.Now())
	if up == nil {
		if w.mem.Upgrade.Started() { // the timer fired early (clock steps)
			w.health.Reset(max(time.Until(w.mem.Upgrade.Until), time.Millisecond))
		}
		return
	}
	w.remember(m)
	w.log.Info("upgrade healthy", "version", up.Version, "previous", up.Prev.Version)
	_, _, _, opts := w.r.view(w.name)
	if opts.Packages != nil {
		if err := opts.Packages.GC(w.name, up.Version, up.Prev.Version); err != nil {
			w.log.Warn("old package versions not removed", "error", err)
		}
	}
}

// uninstall removes what the agent left once it is no longer desired: its
// packages, its logs and its memory.
func (w *worker) uninstall(opts Options) {
	w.running, w.version = nil, ""
	if err := w.r.memories().remove(w.name); err != nil {
		w.log.Error("agent memory not removed", "error", err)
	}
	w.mem, w.saved = Memory{}, nil
	if err := supervise.RemoveLogs(w.r.LogPath(w.name)); err != nil {
		w.log.Warn("logs not removed", "error", err)
	}
	if opts.Packages == nil {
		return
	}
	w.uninstallSystem(opts)
	if err := opts.Packages.Remove(w.name); err != nil {
		w.log.Error("package not removed", "error", err)
	}
}

// fetchBackoff doubles from 5 s to at most 5 min per consecutive failure.
func fetchBackoff(failures int) time.Duration {
	return min(5*time.Second<<min(max(failures-1, 0), 6), 5*time.Minute)
}
