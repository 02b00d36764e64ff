package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// addJobFlags registers a job's flags, one set for `job add` and `rollout
// create` (SPEC §11: "job flags as job add").
func addJobFlags(fs *flag.FlagSet, req *api.JobRequest, envs envFlag) {
	fs.StringVar(&req.Action, "action", "", "install, upgrade, uninstall, restart, stop, start or config; required")
	fs.StringVar(&req.Name, "name", "", "sub-agent name (all actions but config)")
	fs.StringVar(&req.URL, "url", "", "package source (install, upgrade)")
	fs.StringVar(&req.Checksum, "checksum", "", "package checksum SHA256:<64 hex> (install, upgrade)")
	fs.StringVar(&req.Install, "install", "", "rpm/deb: store (default) or system, where the host sets allow_system_packages (install, upgrade)")
	fs.Var(argsFlag{&req.Command}, "command", "rpm/deb: the program to run, then each argument, one --command each (repeatable; needed by install: system, and in store mode by a payload without agent.yaml)")
	fs.Var(envs, "env", "environment variable NAME=VALUE (repeatable)")
	fs.StringVar(&req.Limits.CPU, "cpu", "", "cpu limit, percent of one CPU, e.g. 10%")
	fs.StringVar(&req.Limits.Memory, "memory", "", "memory limit, e.g. 20M")
	fs.StringVar(&req.Svrlist, "svrlist", "", "config: comma-separated host:port servers added to the agent's list")
	fs.Int64Var(&req.Step, "step", 0, "config: status report interval in seconds")
	fs.StringVar(&req.Signature, "signature", "", "install, upgrade: minisign signature: its URL, its text, or @FILE (default <url>.minisig)")
	fs.StringVar(&req.User, "user", "", "install, upgrade: user the sub-agent runs as (default the host's server_job_user)")
	fs.StringVar(&req.Group, "group", "", "install, upgrade: group the sub-agent runs as")
}

// readSignatureFile replaces a --signature @FILE by the file's text (a
// .minisig), so the job carries the signature itself.
func readSignatureFile(req *api.JobRequest) error {
	file, ok := strings.CutPrefix(req.Signature, "@")
	if !ok {
		return nil
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("--signature: %w", err)
	}
	req.Signature = string(text)
	return nil
}
