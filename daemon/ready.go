package daemon

import (
	"context"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// actedOn says whether the reconciler has acted once on every desired
// agent: each has an observed entry (started, adopted, installing, or
// failed to) — what status shows as not started has none.
func actedOn(desired []string, observed map[string]bool) bool {
	for _, name := range desired {
		if !observed[name] {
			return false
		}
	}
	return true
}

// signalReady waits until the first desired set is reconciled (every
// agent acted on once; adoption came before, in New), then marks the
// daemon ready: READY=1 to systemd, and one condition of a self-upgrade's
// health.
func (d *Daemon) signalReady(ctx context.Context) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		d.mu.Lock()
		desired := make([]string, 0, len(d.set.Docs))
		for name := range d.set.Docs {
			desired = append(desired, name)
		}
		d.mu.Unlock()
		observed := map[string]bool{}
		for _, a := range d.rec.Agents() {
			observed[a.Name] = true
		}
		if actedOn(desired, observed) {
			d.ready.Store(true)
			notify(d.log, sd.SdNotifyReady)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
