package server

import (
	"fmt"

	"github.com/bootagent/bootagent/api"
)

// What healthy means for each action (SPEC §11): the agent running at the
// target, stopped (the design note's "stoped") for stop, absent for
// uninstall; a config job is judged by its result alone.
type target int

const (
	targetRunning target = iota
	targetStopped
	targetAbsent
	targetResult
)

func targetOf(action string) target {
	switch action {
	case api.ActionStop:
		return targetStopped
	case api.ActionUninstall:
		return targetAbsent
	case api.ActionConfig:
		return targetResult
	}
	return targetRunning
}

// soakState is what a host's judgement remembers between reports.
type soakState struct {
	ResultAt  int64 // server time the job's result (errcode 0) arrived
	SoakStart int64 // first report after the result showing the target; 0 not yet
	Baseline  int   // restarts in that first report; -1 not seen yet
}

// observation is one report's view of the rollout's agent, taken from a
// report newer than the result.
type observation struct {
	Present   bool
	Status    string
	Version   string
	Desired   string
	Restarts  int
	JobID     string // the agent's latest job
	BadEvents []string
}

// observe extracts the rollout's agent from a status document: events of
// that agent newer than the result that mean trouble during a soak.
func observe(doc *api.StatusDoc, name string, resultAt int64) observation {
	var o observation
	for _, a := range doc.Agents {
		if a.Name != name {
			continue
		}
		o = observation{Present: true, Status: a.Status, Version: a.Version, Desired: a.DesiredVersion, Restarts: a.Restarts}
		if a.Job != nil {
			o.JobID = a.Job.ID
		}
		break
	}
	for _, e := range doc.Events {
		if e.Agent == name && e.Time >= resultAt && badSoakEvent(e.Type) {
			o.BadEvents = append(o.BadEvents, e.Type)
		}
	}
	return o
}

func badSoakEvent(typ string) bool {
	return typ == "fatal" || typ == "killed" || typ == "rollback"
}

// verdict is judgeReport's outcome for one host.
type verdict struct {
	State   string // api.HostSoaking (no verdict yet), HostHealthy or HostFailed
	Soak    soakState
	Message string
}

// judgeReport judges a host whose job succeeded from one report received
// after the result: it fails on a new restart, a fatal, killed or rollback
// event, the agent leaving the target or another job replacing ours; it
// is healthy once the target has held for soak seconds.
func judgeReport(s soakState, tg target, jobID string, o observation, now, soak int64) verdict {
	fail := func(format string, a ...any) verdict {
		return verdict{State: api.HostFailed, Soak: s, Message: fmt.Sprintf(format, a...)}
	}
	if len(o.BadEvents) > 0 {
		return fail("%s during soak", o.BadEvents[0])
	}
	if o.Present && o.JobID != "" && o.JobID != jobID && tg != targetResult {
		return fail("superseded by job %s", o.JobID)
	}
	at := atTarget(tg, o)
	if s.Baseline < 0 {
		if !o.Present {
			s.Baseline = 0
		} else {
			s.Baseline = o.Restarts
		}
	} else if o.Present && o.Restarts > s.Baseline {
		return fail("restarted during soak (restarts %d, was %d)", o.Restarts, s.Baseline)
	}
	if !at {
		if s.SoakStart > 0 {
			return fail("left the target during soak: %s", describe(o))
		}
		if o.Present && (o.Status == "fatal" || o.Status == "killed") {
			return fail("agent %s after the job", o.Status)
		}
		return verdict{State: api.HostSoaking, Soak: s}
	}
	if s.SoakStart == 0 {
		s.SoakStart = now
	}
	if now-s.SoakStart >= soak {
		return verdict{State: api.HostHealthy, Soak: s, Message: describe(o)}
	}
	return verdict{State: api.HostSoaking, Soak: s}
}

func atTarget(tg target, o observation) bool {
	switch tg {
	case targetStopped:
		return o.Present && o.Status == "stoped"
	case targetAbsent:
		return !o.Present
	case targetResult:
		return true
	}
	return o.Present && o.Status == "running" && (o.Desired == "" || o.Version == o.Desired)
}

func describe(o observation) string {
	if !o.Present {
		return "agent absent"
	}
	return fmt.Sprintf("%s at version %s", o.Status, dashIfEmpty(o.Version))
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// pastDeadline says a host delivered at deliveredAt has had no verdict for
// too long: it fails (SPEC §11 "no verdict by the healthy deadline").
func pastDeadline(deliveredAt, now, deadline int64) bool {
	return deliveredAt > 0 && now-deliveredAt >= deadline
}

// expiredHost says a pending host of a started wave never took its job in
// time: its wave started at least expire ago and the host has not been
// seen for expire. A host that reports but waits for an in-flight slot
// does not expire; one gone silent after its wave began expires expire
// after it was last seen.
func expiredHost(waveStart, lastSeen, now, expire int64) bool {
	return now-waveStart >= expire && now-lastSeen >= expire
}
