package daemon

import (
	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/jobs"
)

// jobHost is the daemon as the job machine sees it (jobs.Host): the job
// lifecycle itself lives in package jobs.
type jobHost struct{ d *Daemon }

var _ jobs.Host = jobHost{}

// ApplyJob implements jobs.Host: the server source persists the doc, then
// the merged desired set goes to the reconciler.
func (h jobHost) ApplyJob(job api.Job) (string, error) {
	doc, err := h.d.server.Apply(job)
	if err != nil {
		return "", err
	}
	h.d.serverChanged()
	if doc == nil {
		return "", nil
	}
	return doc.Hash(), nil
}

// ApplyConfig implements jobs.Host.
func (h jobHost) ApplyConfig(job api.Job) (string, error) { return h.d.applyServerConfig(job) }

// FileOwner implements jobs.Host.
func (h jobHost) FileOwner(name string) (string, bool) { return h.d.fileOwner(name) }

// Observe implements jobs.Host.
func (h jobHost) Observe(name string) (actual.Agent, bool) { return h.d.rec.Agent(name) }

// Restart implements jobs.Host.
func (h jobHost) Restart(name string) error { return h.d.rec.Restart(name) }
