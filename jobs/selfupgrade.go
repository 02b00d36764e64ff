package jobs

import (
	"errors"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/syntax"
)

// A self-upgrade job ({"action":"upgrade","name":"bootagent"}, SPEC §14)
// changes no desired state: it replaces the daemon's own binary. Like a
// config job, applying it is its outcome; unlike one, that outcome is known
// only after the daemon has re-executed itself (the new version, or the
// previous one restored, reports it): until then applying it answers
// ErrPending and the job stays taken, across the exec.

// ErrPending: a self-upgrade is under way; the job's outcome comes later
// (ApplyAgain).
var ErrPending = errors.New("self-upgrade under way")

// SelfUpgrader is a Host that can upgrade the daemon itself. SelfUpgrade
// must be idempotent like ApplyJob: for a job whose upgrade already ran it
// returns that upgrade's outcome, not a second upgrade.
type SelfUpgrader interface {
	SelfUpgrade(job api.Job) (message string, err error)
}

// IsSelfUpgrade says whether job upgrades BootAgent itself.
func IsSelfUpgrade(job api.Job) bool {
	return job.Action == api.ActionUpgrade && job.Name == syntax.SelfName
}

// applySelf is apply for a self-upgrade job. The zero Event (no kind)
// changes nothing: the job waits, taken, for ApplyAgain.
func (m *Machine) applySelf(job api.Job) Event {
	su, ok := m.cfg.Host.(SelfUpgrader)
	if !ok {
		return Event{Kind: ApplyFailed, At: m.cfg.Now(), Message: "this daemon cannot upgrade itself"}
	}
	msg, err := su.SelfUpgrade(job)
	switch {
	case errors.Is(err, ErrPending):
		return Event{}
	case err != nil:
		return Event{Kind: ApplyFailed, At: m.cfg.Now(), Message: err.Error()}
	}
	return Event{Kind: ApplyDone, At: m.cfg.Now(), Message: msg}
}

// ApplyAgain applies an unfinished job again, now: a self-upgrade's outcome
// is known (the new version is healthy).
func (m *Machine) ApplyAgain(id string) {
	m.work.Lock()
	defer m.work.Unlock()
	m.step(id, Event{Kind: Resumed, At: m.cfg.Now(), Queued: true})
}
