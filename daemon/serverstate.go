package daemon

import (
	"fmt"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
)

// step is the status interval in force (stepInForce).
func (d *Daemon) step() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return stepInForce(d.serverCfg.Step, d.cfg.Step.D())
}

// startupPeriod is how long a started process must stay up before a job
// that started it counts as done.
func (d *Daemon) startupPeriod() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.UpgradeHealthWindow.D()
}

// applyServerConfig applies a config job: svrlist is added to the
// configured servers (never replacing them), step changes the report
// interval; both persist across restarts.
func (d *Daemon) applyServerConfig(job api.Job) (string, error) {
	d.mu.Lock()
	next := d.serverCfg.Apply(job)
	d.mu.Unlock()
	if err := next.Validate(); err != nil {
		return "", err
	}
	if err := d.client.SetExtra(next.Svrlist); err != nil {
		return "", err
	}
	if err := api.SaveServerConfig(d.cfg.StateDir, next); err != nil {
		return "", err
	}
	d.mu.Lock()
	d.serverCfg = next
	d.mu.Unlock()
	d.wakeReportLoop()
	var parts []string
	if job.Svrlist != "" {
		parts = append(parts, "servers now "+strings.Join(d.client.Servers(), ","))
	}
	if job.Step > 0 {
		parts = append(parts, fmt.Sprintf("step %ds", job.Step))
	}
	return "applied: " + strings.Join(parts, ", "), nil
}

// fileOwner says which local file defines name, if one does.
func (d *Daemon) fileOwner(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if doc, ok := d.set.Docs[name]; ok && doc.Source == desired.SourceFile {
		return doc.Origin.String(), true
	}
	return "", false
}

// serverChanged merges the server source's new snapshot in.
func (d *Daemon) serverChanged() {
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	d.apply(d.merger.Update(d.server.Snapshot()))
}
