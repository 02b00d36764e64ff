package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bootagent/bootagent/daemon"
	"github.com/bootagent/bootagent/selfupgrade"
)

func cmdRun(args []string) int {
	fs := newFlags("run")
	cfgPath := fs.String("config", defaultConfigPath(), "configuration file (default $BOOTAGENT_CONFIG, else "+DefaultConfig+")")
	keepOnTerm := fs.Bool("keep-agents-on-term", false, "on SIGTERM leave the sub-agents running for the next start (the systemd unit's way; `bootagent shutdown --stop-agents` still stops them)")
	if !parse(fs, args) {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageError("run takes no arguments")
	}
	// A self-upgraded binary on trial knows it from its environment,
	// before it can read a configuration it may fail to parse.
	trial := os.Getenv(selfupgrade.EnvRecord)
	os.Unsetenv(selfupgrade.EnvRecord)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return failOnTrial(trial, err)
	}
	logger := newLogger(cfg.LogFormat)
	defer startProfiles()()
	d, err := daemon.New(cfg, logger)
	if err != nil {
		return failOnTrial(trial, err)
	}
	d.SetKeepOnTerm(*keepOnTerm)
	if trial != "" {
		d.SetTrial(trial)
	} else if p := d.SettleStaleTrial(); p != nil {
		// The new binary of a trial cut short: run the restored one.
		return fail("re-exec %s: %v", p.Path, syscall.Exec(p.Path, p.Argv, p.Env))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			if sig == syscall.SIGHUP {
				logger.Info("SIGHUP: reloading configuration and desired files")
				d.Reload()
				continue
			}
			logger.Info("signal received, shutting down", "signal", sig.String())
			if sig == syscall.SIGINT {
				d.Stop(daemon.StopSignalInt)
			} else {
				d.Stop(daemon.StopSignalTerm)
			}
		}
	}()
	if err := d.Run(ctx); err != nil {
		return fail("%v", err)
	}
	if d.StoppedForGood() {
		return daemon.ExitStoppedForGood
	}
	if p := d.Exec(); p != nil {
		// Same pid: systemd keeps tracking it, the agents stay its own.
		err := syscall.Exec(p.Path, p.Argv, p.Env)
		return fail("re-exec %s: %v", p.Path, err)
	}
	return exitOK
}

// failOnTrial fails a start; a self-upgraded binary on trial instead
// restores the previous one and execs it (it returns only if it cannot).
func failOnTrial(trial string, err error) int {
	if trial != "" {
		if rerr := selfupgrade.RevertInPlace(trial, err); rerr != nil {
			stderrf("bootagent: self-upgrade revert: %v\n", rerr)
		}
	}
	return fail("%v", err)
}

func newLogger(format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if os.Getenv("BOOTAGENT_DEBUG") != "" {
		opts.Level = slog.LevelDebug
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(stderr, opts))
	}
	return slog.New(slog.NewTextHandler(stderr, opts))
}

func usageError(msg string) int {
	stderrf("bootagent: %s\n%s", msg, usage)
	return exitUsage
}
