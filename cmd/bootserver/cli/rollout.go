package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
)

// bootserver rollout … (SPEC §11).
func (c *CLI) cmdRollout(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return c.usageError("rollout needs a subcommand: create, list, show, wait, pause, resume, abort or rollback")
	}
	switch args[0] {
	case "create":
		return c.cmdRolloutCreate(ctx, args[1:])
	case "list":
		return c.cmdRolloutList(ctx, args[1:])
	case "show":
		return c.cmdRolloutShow(ctx, args[1:])
	case "wait":
		return c.cmdRolloutWait(ctx, args[1:])
	case "pause", "resume", "abort", "rollback":
		return c.cmdRolloutAction(ctx, args[0], args[1:])
	}
	return c.usageError("unknown rollout subcommand %q (want create, list, show, wait, pause, resume, abort or rollback)", args[0])
}

func (c *CLI) cmdRolloutCreate(ctx context.Context, args []string) int {
	fs := newFlags("rollout create")
	af := c.addAdminFlags(fs)
	var req api.RolloutRequest
	envs := envFlag{}
	addJobFlags(fs, &req.Job, envs)
	hosts := fs.String("hosts", "", "comma-separated hosts (agentsns or hostnames)")
	fs.StringVar(&req.Selector, "selector", "", "hosts whose tags match: k=v, k!=v, k, !k; comma = and")
	fs.BoolVar(&req.All, "all", false, "every host")
	fs.StringVar(&req.Waves, "waves", "", "cumulative wave sizes, counts or percentages (default 1,10%,100%)")
	fs.StringVar(&req.MaxInFlight, "max-in-flight", "", "hosts between delivery and verdict at most, N or P% (default 10%)")
	fs.StringVar(&req.MaxFailures, "max-failures", "", "failures tolerated, N or P% rounded down (default 0)")
	fs.StringVar(&req.Soak, "soak", "", "how long a host must stay healthy after its result (default 60s)")
	fs.StringVar(&req.HealthyDeadline, "healthy-deadline", "", "a host with no verdict this long after delivery fails (default 15m)")
	fs.StringVar(&req.Expire, "expire", "", "a host silent this long never takes its job: expired (default 24h)")
	fs.StringVar(&req.OnFailure, "on-failure", "", "pause (default) or rollback when failures exceed the budget")
	fs.BoolVar(&req.Follow, "follow", false, "add hosts that match later, until the rollout ends")
	fs.BoolVar(&req.DryRun, "dry-run", false, "print the hosts of each wave; change nothing")
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return c.usageError("rollout create takes no arguments, got %q (flags come before arguments)", fs.Args())
	case req.Job.Action == "":
		return c.usageError("rollout create: --action is required")
	}
	if *hosts != "" {
		req.Hosts = strings.Split(*hosts, ",")
	}
	if len(envs) > 0 {
		req.Job.Envs = envs
	}
	if err := readSignatureFile(&req.Job); err != nil {
		return c.usageError("rollout create: %v", err)
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	if req.DryRun {
		plan, err := cl.PlanRollout(ctx, req)
		if err != nil {
			return c.fail(fmt.Errorf("rollout create: %w", err))
		}
		return c.print(*af.json, plan, func(w io.Writer) { printPlan(w, plan) })
	}
	ro, err := cl.CreateRollout(ctx, req)
	if err != nil {
		return c.fail(fmt.Errorf("rollout create: %w", err))
	}
	return c.print(*af.json, ro, func(w io.Writer) {
		fmt.Fprintf(w, "started rollout of %s %s to %d hosts in %d waves %v (max in flight %d, halts at failure %d): rollout %s\n",
			ro.Action, dash(ro.Name), ro.Total, len(ro.Waves), ro.Waves, ro.MaxInFlight, ro.HaltsAtFailure, ro.ID)
	})
}

func printPlan(w io.Writer, p api.RolloutPlan) {
	for i, hs := range p.Waves {
		names := make([]string, len(hs))
		for j, h := range hs {
			names[j] = h.Hostname
			if h.State == api.HostSkipped {
				names[j] += "(skipped)"
			}
		}
		fmt.Fprintf(w, "wave %d\t%d hosts\t%s\n", i+1, len(hs), strings.Join(names, " "))
	}
	for _, h := range p.Skipped {
		fmt.Fprintf(w, "skipped\t%s\t%s\n", h.Hostname, h.Message)
	}
	fmt.Fprintf(w, "max in flight\t%d\n", p.MaxInFlight)
	fmt.Fprintf(w, "halts at failure\t%d (max failures %d)\n", p.HaltsAtFailure, p.MaxFailures)
}

func (c *CLI) cmdRolloutList(ctx context.Context, args []string) int {
	fs := newFlags("rollout list")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("rollout list takes no arguments")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	ros, err := cl.Rollouts(ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, ros, func(w io.Writer) {
		fmt.Fprintln(w, "ID\tACTION\tNAME\tSTATE\tREASON\tWAVE\tCOUNTS")
		for _, r := range ros {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", r.ID, r.Action, dash(r.Name), r.State, dash(r.Reason),
				r.Wave, len(r.Waves), countsLine(r.Counts))
		}
	})
}

// countsLine shows the non-zero host counts in SPEC §11's order.
func countsLine(m map[string]int) string {
	var parts []string
	for _, st := range api.RolloutHostStates {
		if m[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", st, m[st]))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func (c *CLI) cmdRolloutShow(ctx context.Context, args []string) int {
	fs := newFlags("rollout show")
	af := c.addAdminFlags(fs)
	hosts := fs.Bool("hosts", false, "list every host with its state")
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("rollout show takes one argument, the rollout id")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	r, err := cl.Rollout(ctx, fs.Arg(0), false, -1, 0)
	if err != nil {
		return c.fail(err)
	}
	if *hosts { // every page: the CLI shows the whole list
		after := -1
		for {
			p, err := cl.Rollout(ctx, r.ID, true, after, 1000)
			if err != nil {
				return c.fail(err)
			}
			r.Hosts = append(r.Hosts, p.Hosts...)
			if len(p.Hosts) < 1000 {
				break
			}
			after = p.Hosts[len(p.Hosts)-1].Ord
		}
	}
	return c.print(*af.json, r, func(w io.Writer) {
		row := func(k, v string) { fmt.Fprintf(w, "%s\t%s\n", k, v) }
		row("id", r.ID)
		row("job", strings.TrimSpace(r.Action+" "+r.Name+" "+r.Job.URL))
		row("state", r.State)
		row("reason", dash(r.Reason))
		row("hosts", fmt.Sprintf("%d (%s)", r.Total, countsLine(r.Counts)))
		row("wave", fmt.Sprintf("%d of %d", r.Wave, len(r.Waves)))
		row("failures", fmt.Sprintf("%d; halts at failure %d (max failures %d, on failure %s)",
			r.Failures, r.HaltsAtFailure, r.MaxFailures, r.OnFailure))
		row("max in flight", fmt.Sprint(r.MaxInFlight))
		row("soak", (time.Duration(r.Soak) * time.Second).String())
		row("token", dash(r.TokenID))
		for _, wv := range r.WaveCounts {
			row(fmt.Sprintf("wave %d", wv.Wave), fmt.Sprintf("%d hosts: %s", wv.Size, countsLine(wv.Counts)))
		}
		for _, h := range r.FailedHosts {
			row("failed", fmt.Sprintf("%s: %s", hostLabel(h.Hostname, h.AgentSN), oneLine(h.Message)))
		}
		if len(r.Hosts) > 0 {
			fmt.Fprintln(w, "HOST\tWAVE\tSTATE\tJOB\tMESSAGE")
			for _, h := range r.Hosts {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", hostLabel(h.Hostname, h.AgentSN), h.Wave, h.State,
					dash(h.JobID), dash(oneLine(h.Message)))
			}
		}
	})
}

// rolloutPoll is how often `rollout wait` asks.
const rolloutPoll = 500 * time.Millisecond

func (c *CLI) cmdRolloutWait(ctx context.Context, args []string) int {
	fs := newFlags("rollout wait")
	af := c.addAdminFlags(fs)
	timeout := fs.Duration("timeout", 0, "give up (exit 1) after this long; 0 waits for ever")
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("rollout wait takes one argument, the rollout id")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	for {
		r, err := cl.Rollout(ctx, fs.Arg(0), false, -1, 0)
		if ctx.Err() != nil {
			fmt.Fprintf(c.Stderr, "bootserver: rollout %s still %s after %s\n", fs.Arg(0), r.State, *timeout)
			return exitFail
		}
		if err != nil {
			return c.fail(err)
		}
		switch r.State {
		case api.RolloutSucceeded:
			fmt.Fprintf(c.Stdout, "rollout %s succeeded: %s\n", r.ID, countsLine(r.Counts))
			return exitOK
		case api.RolloutPaused, api.RolloutAborted, api.RolloutRolledBack:
			fmt.Fprintf(c.Stdout, "rollout %s %s (reason %s): %s\n", r.ID, r.State, dash(r.Reason), countsLine(r.Counts))
			return exitFail
		}
		select {
		case <-ctx.Done():
		case <-time.After(rolloutPoll):
		}
	}
}

func (c *CLI) cmdRolloutAction(ctx context.Context, action string, args []string) int {
	fs := newFlags("rollout " + action)
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("rollout %s takes one argument, the rollout id", action)
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	r, err := cl.RolloutAction(ctx, fs.Arg(0), action)
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, r, func(w io.Writer) {
		fmt.Fprintf(w, "rollout %s %s\n", r.ID, r.State)
	})
}

func (c *CLI) cmdJobCancel(ctx context.Context, args []string) int {
	fs := newFlags("job cancel")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("job cancel takes one argument, the job id")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	j, err := cl.CancelJob(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, j, func(w io.Writer) {
		fmt.Fprintf(w, "cancelled job %s (%s)\n", j.ID, oneLine(j.Message))
	})
}
