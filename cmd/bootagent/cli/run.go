package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/bootagent/bootagent/daemon"
)

func cmdRun(args []string) int {
	fs := newFlags("run")
	cfgPath := fs.String("config", defaultConfigPath(), "configuration file (default $BOOTAGENT_CONFIG, else "+DefaultConfig+")")
	if !parse(fs, args) {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageError("run takes no arguments")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	logger := newLogger(cfg.LogFormat)
	defer startProfiles()()
	d, err := daemon.New(cfg, logger)
	if err != nil {
		return fail("%v", err)
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
			cancel()
		}
	}()
	if err := d.Run(ctx); err != nil {
		return fail("%v", err)
	}
	return exitOK
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
