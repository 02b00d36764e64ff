package daemon

// How a stopping daemon treats its sub-agents (SPEC §14, README "Running
// as a service"). A restart or upgrade of the service must leave them
// running, to be adopted by the next start; stopping for good may stop
// them. The daemon cannot tell the two apart from a bare SIGTERM (systemd
// sends the same one for `systemctl restart` and `systemctl stop`), so the
// unit says so: it runs `bootagent run --keep-agents-on-term`, and a stop
// for good is an explicit `bootagent shutdown --stop-agents` (which the
// package's removal script runs).

// StopCause is why the daemon is stopping.
type StopCause int

const (
	// StopSignalTerm: SIGTERM (systemctl stop/restart, kill).
	StopSignalTerm StopCause = iota
	// StopSignalInt: SIGINT (Ctrl-C on a terminal).
	StopSignalInt
	// StopShutdown: `bootagent shutdown` without --stop-agents.
	StopShutdown
	// StopShutdownStopAgents: `bootagent shutdown --stop-agents`.
	StopShutdownStopAgents
	// StopExec: a self-upgrade (or its revert) re-executes the daemon in
	// place; the agents stay for the new binary to adopt.
	StopExec
)

// ExitStoppedForGood is the daemon's exit status after `bootagent shutdown
// --stop-agents`: the unit lists it in RestartPreventExitStatus=, so
// systemd's Restart=always does not start it again to re-run the agents
// just stopped.
const ExitStoppedForGood = 3

// keepAgentsOnStop decides whether the sub-agents keep running when the
// daemon stops for cause; configKeep is keep_agents_on_exit and keepOnTerm
// the `run --keep-agents-on-term` flag.
func keepAgentsOnStop(cause StopCause, configKeep, keepOnTerm bool) bool {
	switch cause {
	case StopShutdownStopAgents:
		return false
	case StopExec:
		return true
	case StopSignalTerm:
		return keepOnTerm || configKeep
	default:
		return configKeep
	}
}
