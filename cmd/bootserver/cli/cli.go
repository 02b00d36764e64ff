// Package cli is bootserver's command line (SPEC §8): `serve` runs the
// server; the admin commands talk to a running one over its admin API. It
// lives apart from package main so scenario tests can run it in-process.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/bootagent/bootagent/api"
)

// Exit codes of SPEC §2.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// DefaultServer is where admin commands look without --server or
// $BOOTSERVER_URL.
const DefaultServer = "https://127.0.0.1:8600"

const usage = `usage: bootserver COMMAND [flags] [args]

commands:
  serve [--listen 127.0.0.1:8600] [--db bootserver.db] [--data-dir DIR] [--addr-file FILE]
        [--san NAME]... [--tls-cert F --tls-key F | --insecure-http]
        [--open-enrollment] [--credential-ttl 720h]
        [--log-format text|json] [--log-level info]        run the server
  hosts [--json]                        list hosts
  agents [--json] HOST                  a host's agents as last reported
  jobs [--json] [--host HOST] [--state S] [--limit N]    list jobs
  events [--json] [--host HOST] [--limit N]              list events
  job add [--json] --host HOST --action ACTION [--name NAME] [--url U --checksum C]
          [--env K=V]... [--cpu 10%] [--memory 20M] [--svrlist L] [--step N]
          [--signature S] [--user U] [--group G] [--force]
                                        queue a job; prints its id last
  job show [--json] ID                  one job
  job cancel ID                         withdraw a job not yet delivered
  rollout create --action A --name N [job flags as job add]
          (--selector S | --hosts H,H | --all) [--waves 1,10%,100%]
          [--max-in-flight N|P%] [--max-failures N|P%] [--soak D]
          [--healthy-deadline D] [--expire D] [--on-failure pause|rollback]
          [--follow] [--dry-run]      plan and start a rollout; prints its id last
  rollout list [--json]                 rollouts: id, action, name, state, counts
  rollout show [--json] [--hosts] ID    state and reason, per-wave counts, failed hosts
  rollout wait [--timeout D] ID         exit 0 once succeeded; 1 once halted or at timeout
  rollout pause|resume|abort|rollback ID
  tag [--json] HOST TAGS                set the tags a host gets when it registers
  admin-token create --role read|admin  mint an operator token; prints it last
  admin-token list [--json]             operator tokens: id, role, created, revoked
  admin-token revoke ID                 make a token fail from now on
  token create [--ttl 24h] [--uses N] [--tags k=v,...]
                                        mint an enrollment token; prints it last
  token list [--json]                   enrollment tokens: id, uses left, expiry
  token revoke ID                       make an enrollment token fail from now on
  host revoke HOST                      make a host's credential fail; cancel its jobs
  host unrevoke HOST                    let a revoked host enrol again with a new token
  version                               print the version

HOST is an agentsn or a hostname. Admin commands find the server with
--server URL, else $BOOTSERVER_URL, else ` + DefaultServer + `, and
send the admin token from --token-file F, else $BOOTSERVER_TOKEN, else
admin.token in the data directory (--data-dir, else $BOOTSERVER_DATA_DIR,
else ` + DefaultDataDir + `), which serve writes on first start. An https
server must chain to the CA in --ca F, else $BOOTSERVER_CA, else ca.pem
in that data directory (serve makes it on first start).
Flags come before arguments.
`

// CLI is one run of the command line with its streams and environment.
type CLI struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Main runs the command line with the process's streams, environment and
// signals (SIGTERM and SIGINT stop `serve` gracefully) and returns the exit
// code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	c := &CLI{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	return c.Run(ctx, args)
}

// Run runs one command; ctx ending stops `serve`.
func (c *CLI) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.Stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return c.cmdServe(ctx, args[1:])
	case "hosts":
		return c.cmdHosts(ctx, args[1:])
	case "agents":
		return c.cmdAgents(ctx, args[1:])
	case "jobs":
		return c.cmdJobs(ctx, args[1:])
	case "events":
		return c.cmdEvents(ctx, args[1:])
	case "job":
		return c.cmdJob(ctx, args[1:])
	case "tag":
		return c.cmdTag(ctx, args[1:])
	case "rollout":
		return c.cmdRollout(ctx, args[1:])
	case "admin-token":
		return c.cmdAdminToken(ctx, args[1:])
	case "token":
		return c.cmdToken(ctx, args[1:])
	case "host":
		return c.cmdHost(ctx, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(c.Stdout, "bootserver %s\n", api.Version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.Stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(c.Stderr, "bootserver: unknown command %q\n%s", args[0], usage)
		return exitUsage
	}
}

func (c *CLI) fail(err error) int {
	fmt.Fprintf(c.Stderr, "bootserver: %v\n", err)
	return exitFail
}

func (c *CLI) usageError(format string, a ...any) int {
	fmt.Fprintf(c.Stderr, "bootserver: "+format+"\n", a...)
	fmt.Fprintf(c.Stderr, "run 'bootserver help' for usage\n")
	return exitUsage
}
