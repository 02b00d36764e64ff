package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bootagent/bootagent/api"
)

func (c *CLI) cmdJob(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return c.usageError("job needs a subcommand: add or show")
	}
	switch args[0] {
	case "add":
		return c.cmdJobAdd(ctx, args[1:])
	case "show":
		return c.cmdJobShow(ctx, args[1:])
	}
	return c.usageError("unknown job subcommand %q (want add or show)", args[0])
}

func (c *CLI) cmdJobAdd(ctx context.Context, args []string) int {
	fs := newFlags("job add")
	af := c.addAdminFlags(fs)
	var req api.JobRequest
	envs := envFlag{}
	fs.StringVar(&req.Host, "host", "", "HOST to run the job (an agentsn or a hostname); required")
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
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return c.usageError("job add takes no arguments, got %q (flags come before arguments)", fs.Args())
	case req.Host == "":
		return c.usageError("job add: --host is required")
	case req.Action == "":
		return c.usageError("job add: --action is required")
	}
	if len(envs) > 0 {
		req.Envs = envs
	}
	if file, ok := strings.CutPrefix(req.Signature, "@"); ok {
		text, err := os.ReadFile(file)
		if err != nil {
			return c.usageError("job add: --signature: %v", err)
		}
		req.Signature = string(text)
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	job, err := cl.AddJob(ctx, req)
	if err != nil {
		return c.fail(fmt.Errorf("job add: %w", err))
	}
	return c.print(*af.json, job, func(w io.Writer) {
		what := job.Action
		if job.Name != "" {
			what += " " + job.Name
		}
		fmt.Fprintf(w, "queued %s for %s (agentsn %s): job %s\n", what, hostLabel(job.Hostname, job.Host), job.Host, job.ID)
	})
}

func (c *CLI) cmdJobShow(ctx context.Context, args []string) int {
	fs := newFlags("job show")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("job show takes one argument, the job id")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	j, err := cl.Job(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, j, func(w io.Writer) {
		row := func(k, v string) { fmt.Fprintf(w, "%s\t%s\n", k, v) }
		row("id", j.ID)
		row("host", fmt.Sprintf("%s (agentsn %s)", hostLabel(j.Hostname, j.Host), j.Host))
		row("action", j.Action)
		row("name", dash(j.Name))
		if j.URL != "" {
			row("url", j.URL)
			row("checksum", j.Checksum)
		}
		if len(j.EnvNames) > 0 { // names only: values are secrets (SPEC §10)
			row("envs", strings.Join(j.EnvNames, ","))
		}
		row("state", j.State)
		row("errcode", fmt.Sprint(j.Errcode))
		row("message", dash(oneLine(j.Message)))
		row("deliveries", fmt.Sprint(j.Deliveries))
		row("token", dash(j.TokenID))
		row("created", when(j.Created))
		row("delivered", when(j.Delivered))
		row("finished", when(j.Finished))
	})
}

func (c *CLI) cmdTag(ctx context.Context, args []string) int {
	fs := newFlags("tag")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 {
		return c.usageError("tag takes two arguments, HOST and TAGS (e.g. service=ecs,component)")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	h, err := cl.SetTags(ctx, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return c.fail(err)
	}
	h.Status = nil
	return c.print(*af.json, h, func(w io.Writer) {
		fmt.Fprintf(w, "%s (agentsn %s) tags: %s\n", h.Hostname, h.AgentSN, dash(h.Tags))
	})
}
