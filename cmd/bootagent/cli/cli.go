// Package cli is bootagent's command line (SPEC §2): flag parsing, output
// and exit codes. It lives apart from package main so the scenario tests can
// run it in-process as the `bootagent` command.
package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/bootagent/bootagent/selfupgrade"
	"github.com/bootagent/bootagent/supervise"
)

// Exit codes of SPEC §2.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// DefaultConfig is where `run`, `status` and `restart` look without --config.
const DefaultConfig = "/etc/bootagent/bootagent.yaml"

var stdout, stderr io.Writer = os.Stdout, os.Stderr

const usage = `usage: bootagent COMMAND [flags]

commands:
  run [--config FILE] [--keep-agents-on-term]
                                   run the daemon in the foreground
  shutdown [--config FILE] [--stop-agents]
                                   ask the running daemon to exit
  status [--json] [--config FILE]  show the running daemon's state
  validate [--config FILE] PATH... check desired-state files or directories
                                   (--config: also the daemon configuration,
                                   by default with its desired_dir)
  restart [--config FILE] NAME     restart a sub-agent now, clearing fatal
  self-upgrade [--config FILE] --checksum SHA256:HEX [--signature S] FILE|URL
                                   replace the daemon's binary in place (agents kept)
  version                          print the version
`

// Main runs the command line and returns the exit code.
func Main(args []string) int {
	supervise.RunBlockedExec(args) // the cgroup v1 start helper, never returns
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:])
	case "shutdown":
		return cmdShutdown(args[1:])
	case "self-upgrade":
		return cmdSelfUpgrade(args[1:])
	case selfupgrade.GuardCommand: // hidden: started by a self-upgrade
		return selfupgrade.GuardMain(args[1:])
	case "status":
		return cmdStatus(args[1:])
	case "validate":
		return cmdValidate(args[1:])
	case "restart":
		return cmdRestart(args[1:])
	case "version", "--version", "-version":
		return cmdVersion(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "bootagent: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
}

func fail(format string, a ...any) int {
	fmt.Fprintf(stderr, "bootagent: "+format+"\n", a...)
	return exitFail
}
