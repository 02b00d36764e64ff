package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
)

// cmdValidate checks desired files with the daemon's own parser. With
// --config it first loads the configuration as `run` would (the same
// LoadConfig, so every error the daemon would refuse to start on), checks
// the docs against its install rules (require_checksum), and without PATH
// checks its desired_dir.
func cmdValidate(args []string) int {
	fs := newFlags("validate")
	cfgPath := fs.String("config", "", "also check this daemon configuration, and by default its desired_dir")
	if !parse(fs, args) {
		return exitUsage
	}
	paths := fs.Args()
	var rules desired.InstallRules
	if *cfgPath != "" {
		cfg, err := desired.LoadConfig(*cfgPath)
		if err != nil {
			stderrf("%v\n", err)
			return exitFail
		}
		rules = desired.InstallRulesOf(cfg)
		if len(paths) == 0 {
			paths = []string{cfg.DesiredDir}
		}
	}
	if len(paths) == 0 {
		return usageError("validate needs at least one file or directory (or --config FILE)")
	}
	errs := desired.ValidatePaths(rules, paths...)
	for _, e := range errs {
		stderrf("%s\n", e.Error())
	}
	if len(errs) > 0 {
		return exitFail
	}
	fmt.Fprintln(stdout, "valid")
	return exitOK
}

func cmdRestart(args []string) int {
	fs := newFlags("restart")
	cfgPath := fs.String("config", defaultConfigPath(), "configuration file (default $BOOTAGENT_CONFIG, else "+DefaultConfig+")")
	if !parse(fs, args) {
		return exitUsage
	}
	if fs.NArg() != 1 {
		return usageError("restart needs exactly one agent name")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.NewControlClient(cfg.SocketPath()).Restart(ctx, fs.Arg(0)); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "restarting %s\n", fs.Arg(0))
	return exitOK
}

func cmdVersion(args []string) int {
	if len(args) > 0 {
		return usageError("version takes no arguments")
	}
	fmt.Fprintln(stdout, api.AgentVersion())
	return exitOK
}

func stderrf(format string, a ...any) { fmt.Fprintf(stderr, format, a...) }
