package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/bootagent/bootagent/api"
)

// cmdShutdown asks the running daemon to exit. With --stop-agents it
// stops every sub-agent first and exits with status 3, which the systemd
// unit does not restart (the package's removal script runs it); without,
// the agents follow keep_agents_on_exit.
func cmdShutdown(args []string) int {
	fs := newFlags("shutdown")
	cfgPath := fs.String("config", defaultConfigPath(), "configuration file (default $BOOTAGENT_CONFIG, else "+DefaultConfig+")")
	stopAgents := fs.Bool("stop-agents", false, "stop every sub-agent first (stopping for good)")
	if !parse(fs, args) {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usageError("shutdown takes no arguments")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.NewControlClient(cfg.SocketPath()).Shutdown(ctx, *stopAgents); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintln(stdout, "bootagent is shutting down")
	return exitOK
}
