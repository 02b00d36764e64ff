package jobs

import (
	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
)

// Host is what the job machine needs from the rest of the agent (the
// daemon implements it). The Machine calls it from one goroutine at a time,
// never while holding a lock that Host's callbacks into the Machine
// (Observed) need, so an implementation may trigger those synchronously.
type Host interface {
	// ApplyJob changes the server-sourced desired state as job asks
	// (install, upgrade, uninstall, start, stop; restart changes nothing),
	// durably, and hands the result to the reconciler; it returns the Hash
	// of the doc the job desires ("" for uninstall). It must be idempotent:
	// applying the same job again (after a crash) gives the same doc.
	ApplyJob(job api.Job) (hash string, err error)
	// ApplyConfig applies a config job (svrlist, step) durably and returns
	// what it did, for the result's message. Idempotent as ApplyJob.
	ApplyConfig(job api.Job) (string, error)
	// FileOwner names the local desired file that defines name, if one
	// does: server jobs may not change such an agent.
	FileOwner(name string) (file string, ok bool)
	// Observe returns what is observed of agent name now.
	Observe(name string) (actual.Agent, bool)
	// Restart asks for agent name to be restarted (and cleared of fatal);
	// it returns once the request is recorded, not once it is done.
	Restart(name string) error
}
