package server

import "github.com/bootagent/bootagent/api"

// rolloutView is what the rollout engine knows of one rollout when it
// decides its next step: counters kept incrementally, never a fleet scan.
type rolloutView struct {
	State      string
	Wave       int // current wave, 0-based
	Waves      int // number of waves
	OpenInWave int // hosts of waves <= Wave still pending, delivered or soaking
	InFlight   int // delivered + soaking
	Failures   int // failures counted against the budget (since the last resume)
	FailLimit  int // max failures: failure FailLimit+1 halts
	OnFailure  string
	// LastFailDeadline: the latest failure was a missed healthy deadline,
	// so a halt is reported with reason deadline.
	LastFailDeadline bool
	RevertOpen       int // hosts still to revert or reverting
}

// step is one decision of the engine.
type step struct {
	Do     string // "", "advance", "succeed", "pause", "rollback", "rolled_back"
	Reason string // for pause
}

// nextStep decides what a rollout does next (SPEC §11): halt on failure
// FailLimit+1 (pause, or roll back with --on-failure rollback), start wave
// k+1 once every host of wave k has a verdict, succeed after the last, and
// end a rollback once every changed host is reverted.
func nextStep(v rolloutView) step {
	switch v.State {
	case api.RolloutRollingBack:
		if v.RevertOpen == 0 {
			return step{Do: "rolled_back"}
		}
		return step{}
	case api.RolloutRunning:
	default:
		return step{}
	}
	if v.Failures > v.FailLimit {
		if v.OnFailure == "rollback" {
			return step{Do: "rollback"}
		}
		reason := api.ReasonFailures
		if v.LastFailDeadline {
			reason = api.ReasonDeadline
		}
		return step{Do: "pause", Reason: reason}
	}
	if v.OpenInWave > 0 {
		return step{}
	}
	if v.Wave+1 < v.Waves {
		return step{Do: "advance"}
	}
	return step{Do: "succeed"}
}

// mayAssign says whether a pending host of wave hostWave that reports now
// gets its job: the rollout runs, the host's wave has started, an
// in-flight slot is free and the failure budget is not spent.
func mayAssign(v rolloutView, hostWave, maxInFlight int) bool {
	return v.State == api.RolloutRunning && hostWave <= v.Wave && v.InFlight < maxInFlight &&
		v.Failures <= v.FailLimit
}

// mayRevert says how many more revert jobs may be queued now.
func mayRevert(reverting, maxInFlight int) int {
	return max(0, maxInFlight-reverting)
}
