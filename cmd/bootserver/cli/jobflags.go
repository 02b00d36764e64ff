package cli

import (
	"flag"

	"github.com/bootagent/bootagent/api"
)

// addJobFlags registers a job's flags, one set for `job add` and `rollout
// create` (SPEC §11: "job flags as job add").
func addJobFlags(fs *flag.FlagSet, req *api.JobRequest, envs envFlag) {
	fs.StringVar(&req.Action, "action", "", "install, upgrade, uninstall, restart, stop, start or config; required")
	fs.StringVar(&req.Name, "name", "", "sub-agent name (all actions but config)")
	fs.StringVar(&req.URL, "url", "", "package source (install, upgrade)")
	fs.StringVar(&req.Checksum, "checksum", "", "package checksum SHA256:<64 hex> (install, upgrade)")
	fs.Var(envs, "env", "environment variable NAME=VALUE (repeatable)")
	fs.StringVar(&req.Limits.CPU, "cpu", "", "cpu limit, percent of one CPU, e.g. 10%")
	fs.StringVar(&req.Limits.Memory, "memory", "", "memory limit, e.g. 20M")
	fs.StringVar(&req.Svrlist, "svrlist", "", "config: comma-separated host:port servers added to the agent's list")
	fs.Int64Var(&req.Step, "step", 0, "config: status report interval in seconds")
	fs.StringVar(&req.Signature, "signature", "", "install, upgrade: minisign signature text or URL (default URL.minisig)")
	fs.StringVar(&req.User, "user", "", "install, upgrade: account the agent runs as")
	fs.StringVar(&req.Group, "group", "", "install, upgrade: group the agent runs as")
}
