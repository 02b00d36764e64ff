package daemon

import (
	"context"
	"log/slog"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// sd_notify (SPEC §14): systemd's Type=notify learns from READY=1 that the
// daemon is up, and with WatchdogSec= it expects WATCHDOG=1 pings. Outside
// systemd ($NOTIFY_SOCKET unset) every call is a no-op. The environment is
// kept (unsetEnvironment false): a self-upgrade re-executes in place and the
// new binary notifies the same socket.

// notify sends one state line to $NOTIFY_SOCKET; a failure is logged, never
// fatal (the daemon's work does not depend on systemd hearing it).
func notify(log *slog.Logger, state string) {
	if _, err := sd.SdNotify(false, state); err != nil {
		log.Warn("sd_notify failed", "state", state, "error", err)
	}
}

// watchdogInterval is how often to ping systemd's watchdog given
// WATCHDOG_USEC: half of it, as sd_watchdog_enabled(3) advises, so one late
// ping does not get the service killed. Zero: no watchdog.
func watchdogInterval(usec time.Duration) time.Duration {
	if usec <= 0 {
		return 0
	}
	return usec / 2
}

// runWatchdog pings systemd's watchdog until ctx ends, when $WATCHDOG_USEC
// (and $WATCHDOG_PID, if set, naming this process) asks for it.
func runWatchdog(ctx context.Context, log *slog.Logger) {
	usec, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog settings ignored", "error", err)
		return
	}
	every := watchdogInterval(usec)
	if every == 0 {
		return
	}
	log.Info("systemd watchdog enabled", "ping_every", every)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			notify(log, sd.SdNotifyWatchdog)
		}
	}
}
