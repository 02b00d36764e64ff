package reconcile

import (
	"context"
	"errors"
	"fmt"
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
}

var _ PackageStore = (*fetch.Store)(nil)

// badTarget remembers a desired doc whose package failed (terminal fetch
// error, or it did not survive the upgrade health window) while a previous
// version could run instead: until the desired doc changes, the worker
// plans with the fallback doc, so the good version keeps running and is
// restarted by the policy like any other.
type badTarget struct {
	hash     string       // Hash of the failed desired doc
	fallback *desired.Doc // what runs instead
	reason   string       // "target 2.0 failed …, running 1.0"
}

// upgrade is an upgrade in its health window.
type upgrade struct {
	target  desired.Doc
	prev    desired.Doc
	prevVer string
}

// fetchPackage gets doc's package, with status installing while it runs.
// ok is false when the package cannot be had now; the outcome is then
// recorded: retried later for a transient error, or terminal (marked bad,
// with the running version kept, or fatal when nothing runs).
func (w *worker) fetchPackage(doc desired.Doc, opts Options) (*fetch.Installed, bool) {
	if doc.Package == nil {
		return nil, true
	}
	if opts.Packages == nil {
		w.block(doc, fmt.Sprintf("package %s: %v", doc.Package.URL, ErrNoPackageSupport))
		return nil, false
	}
	w.r.update(w.name, func(a *actual.Agent) {
		a.Installing = true
		if !a.Running() {
			a.Status, a.Message = actual.Installing, "fetching "+doc.Package.URL
		}
	})
	w.log.Info("fetching package", "url", doc.Package.URL, "version", doc.Version)
	inst, err := opts.Packages.Fetch(w.ctx, fetch.Request{
		Name: w.name, Version: doc.Version, URL: doc.Package.URL, Checksum: doc.Package.Checksum,
	})
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
	if !fetch.IsTerminal(err) && !errors.Is(err, ErrNoCommand) {
		w.fetchFailures++
		delay := fetchBackoff(w.fetchFailures)
		msg := fmt.Sprintf("download failed, retrying in %v: %v", delay, err)
		w.log.Warn("package fetch failed", "error", err, "retry_in", delay)
		w.r.update(w.name, func(a *actual.Agent) {
			a.Message = msg
			if !a.Running() {
				a.Status, a.NextStart = actual.Backoff, time.Now().Add(delay)
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
	if w.proc != nil && w.current != nil {
		running := w.currentVersion
		target := doc.Version
		if target == "" { // server jobs name no version: the package does
			target = doc.Package.URL
		}
		w.bad = &badTarget{hash: doc.Hash(), fallback: w.current, reason: badReason(target, err.Error(), running)}
		w.log.Error("install failed; previous version keeps running", "error", err, "running", running)
		var restarts int
		w.r.update(w.name, func(a *actual.Agent) {
			a.Message, a.BadHash, restarts = w.bad.reason, w.bad.hash, a.Restarts
		})
		w.saveRecord(*w.current, running, restarts) // the mark outlives a daemon restart
		return
	}
	w.block(doc, msg)
}

// healthy ends an upgrade's health window: the new version stays, older
// versions than the one before it are removed.
func (w *worker) healthy(opts Options) {
	up := w.upgrade
	w.upgrade = nil
	w.log.Info("upgrade healthy", "version", up.target.Version, "previous", up.prevVer)
	if opts.Packages != nil && w.currentVersion != "" {
		if err := opts.Packages.GC(w.name, w.currentVersion, up.prevVer); err != nil {
			w.log.Warn("old package versions not removed", "error", err)
		}
	}
}

// rollback restores the previous version after the new one failed in its
// health window.
func (w *worker) rollback(why string) {
	up := w.upgrade
	w.upgrade = nil
	reason := badReason(w.currentVersion, why, up.prevVer)
	w.log.Error("upgrade failed, rolling back", "reason", reason)
	w.r.opts.Events.Add(actual.Event{Agent: w.name, Type: actual.EventRollback, Message: reason,
		LogTail: supervise.Tail(w.r.LogPath(w.name), 10)})
	prev := up.prev
	w.bad = &badTarget{hash: up.target.Hash(), fallback: &prev, reason: reason}
	w.r.update(w.name, func(a *actual.Agent) {
		a.Status, a.Pid, a.Message, a.NextStart = actual.Backoff, 0, reason, time.Time{}
		a.BadHash = w.bad.hash
	})
}

// effectiveDoc is the doc to plan with: the desired one, or the fallback
// while the desired one is marked bad. A changed desired doc clears the mark.
func (w *worker) effectiveDoc(doc *desired.Doc) *desired.Doc {
	if doc == nil || w.bad == nil {
		return doc
	}
	if w.bad.hash != doc.Hash() {
		w.bad = nil
		w.r.update(w.name, func(a *actual.Agent) { a.BadHash = "" })
		return doc
	}
	fb := *w.bad.fallback
	return &fb
}

// badReason is the message of a target that failed while another version
// runs: "target 2.0 failed (exited with code 3), running 1.0".
func badReason(target, why, running string) string {
	return fmt.Sprintf("target %s failed (%s), running %s", target, why, running)
}

// fetchBackoff doubles from 5 s to at most 5 min per consecutive failure.
func fetchBackoff(failures int) time.Duration {
	return min(5*time.Second<<min(max(failures-1, 0), 6), 5*time.Minute)
}
