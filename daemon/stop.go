package daemon

// SetKeepOnTerm is `run --keep-agents-on-term`: a SIGTERM leaves the
// sub-agents running whatever keep_agents_on_exit says (see stopmode.go).
// Call it before Run.
func (d *Daemon) SetKeepOnTerm(keep bool) {
	d.mu.Lock()
	d.keepOnTerm = keep
	d.mu.Unlock()
}

// Stop asks Run to return, for cause; the first cause wins. It does not
// wait.
func (d *Daemon) Stop(cause StopCause) {
	select {
	case d.quit <- cause:
	default: // already asked
	}
}

// Shutdown implements api.Shutdowner (`bootagent shutdown`).
func (d *Daemon) Shutdown(stopAgents bool) error {
	cause := StopShutdown
	if stopAgents {
		cause = StopShutdownStopAgents
	}
	d.log.Info("shutdown requested on the control socket", "stop_agents", stopAgents)
	d.Stop(cause)
	return nil
}

// StoppedForGood says, once Run has returned, that it stopped the agents
// on `shutdown --stop-agents`: the process then exits ExitStoppedForGood.
func (d *Daemon) StoppedForGood() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopCause == StopShutdownStopAgents
}
