package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bootagent/bootagent/api"
)

func (c *CLI) cmdJob(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return c.usageError("job needs a subcommand: add, show or cancel")
	}
	switch args[0] {
	case "add":
		return c.cmdJobAdd(ctx, args[1:])
	case "show":
		return c.cmdJobShow(ctx, args[1:])
	case "cancel":
		return c.cmdJobCancel(ctx, args[1:])
	}
	return c.usageError("unknown job subcommand %q (want add, show or cancel)", args[0])
}

func (c *CLI) cmdJobAdd(ctx context.Context, args []string) int {
	fs := newFlags("job add")
	af := c.addAdminFlags(fs)
	var req api.JobRequest
	envs := envFlag{}
	fs.StringVar(&req.Host, "host", "", "HOST to run the job (an agentsn or a hostname); required")
	addJobFlags(fs, &req, envs)
	fs.BoolVar(&req.Force, "force", false, "queue it even though an active rollout holds this host's agent")
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
	if err := readSignatureFile(&req); err != nil {
		return c.usageError("job add: %v", err)
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
