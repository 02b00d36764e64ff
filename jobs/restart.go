package jobs

import (
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
)

// needsRestart says whether applying a job taken at taken must ask for its
// agent (observed obs; nil: nothing yet) to be restarted:
//   - restart, unless a process started since the job was taken runs
//     already, or a restart is pending: applying the job again after a
//     crash must not restart twice;
//   - start of an agent that gave up (fatal): its doc does not change, so
//     nothing else would make it run again.
func needsRestart(action string, obs *actual.Agent, taken time.Time) bool {
	switch action {
	case api.ActionRestart:
		if obs == nil {
			return true
		}
		done := obs.Running() && !obs.StartedAt.Before(taken)
		return !done && !obs.RestartRequested
	case api.ActionStart:
		return obs != nil && obs.Status == actual.Fatal && !obs.RestartRequested
	}
	return false
}
