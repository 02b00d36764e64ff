package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

func (c *CLI) cmdHosts(ctx context.Context, args []string) int {
	fs := newFlags("hosts")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("hosts takes no arguments, got %q", fs.Args())
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	hosts, err := cl.Hosts(ctx)
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, hosts, func(tw io.Writer) {
		fmt.Fprintln(tw, "AGENTSN\tHOSTNAME\tTAGS\tLAST_SEEN\tAGENTS\tLIVE\tREVOKED")
		for _, h := range hosts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", h.AgentSN, h.Hostname, dash(h.Tags), when(h.LastSeen),
				h.AgentCount, yesNo(h.Live), yesNo(h.Revoked))
		}
	})
}

func (c *CLI) cmdAgents(ctx context.Context, args []string) int {
	fs := newFlags("agents")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("agents takes one argument, HOST (an agentsn or a hostname)")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	agents, err := cl.Agents(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, agents, func(tw io.Writer) {
		fmt.Fprintln(tw, "NAME\tSTATUS\tVERSION\tPID\tUPTIME\tRESTARTS\tSOURCE\tJOB\tMESSAGE")
		for _, a := range agents {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", a.Name, dash(a.Status), dash(a.Version),
				pid(a.Pid), time.Duration(a.Uptime)*time.Second, a.Restarts, dash(a.Source), jobState(a.Job),
				dash(oneLine(a.Message)))
		}
	})
}

func (c *CLI) cmdJobs(ctx context.Context, args []string) int {
	fs := newFlags("jobs")
	af := c.addAdminFlags(fs)
	host := fs.String("host", "", "only the jobs of HOST (an agentsn or a hostname)")
	state := fs.String("state", "", "only jobs in this state: queued, delivered, succeeded or failed")
	limit := fs.Int("limit", 0, fmt.Sprintf("at most the N most recent jobs (default %d)", server.DefaultLimit))
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("jobs takes no arguments, got %q", fs.Args())
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	jobs, err := cl.Jobs(ctx, server.JobFilter{Host: *host, State: *state, Limit: *limit})
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, jobs, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tHOST\tACTION\tNAME\tSTATE\tERRCODE\tDELIVERIES\tMESSAGE")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", j.ID, hostLabel(j.Hostname, j.Host), j.Action,
				dash(j.Name), j.State, j.Errcode, j.Deliveries, dash(oneLine(j.Message)))
		}
	})
}

func (c *CLI) cmdEvents(ctx context.Context, args []string) int {
	fs := newFlags("events")
	af := c.addAdminFlags(fs)
	host := fs.String("host", "", "only the events of HOST (an agentsn or a hostname)")
	limit := fs.Int("limit", 0, fmt.Sprintf("at most the N most recent events (default %d)", server.DefaultLimit))
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("events takes no arguments, got %q", fs.Args())
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	events, err := cl.Events(ctx, server.EventFilter{Host: *host, Limit: *limit})
	if err != nil {
		return c.fail(err)
	}
	return c.print(*af.json, events, func(tw io.Writer) {
		fmt.Fprintln(tw, "TIME\tHOST\tAGENT\tTYPE\tMESSAGE")
		for _, e := range events {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", when(e.Time), hostLabel(e.Hostname, e.Host), dash(e.Agent),
				e.Type, dash(oneLine(e.Message)))
		}
	})
}

// print writes v as indented JSON, or as the table table writes.
func (c *CLI) print(asJSON bool, v any, table func(io.Writer)) int {
	if asJSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return c.fail(fmt.Errorf("write output: %w", err))
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	table(tw)
	if err := tw.Flush(); err != nil {
		return c.fail(fmt.Errorf("write output: %w", err))
	}
	return exitOK
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func pid(p int) string {
	if p == 0 {
		return "-"
	}
	return fmt.Sprint(p)
}

// when shows a Unix time in UTC, the same on every operator's terminal.
func when(unix int64) string {
	if unix == 0 {
		return "-"
	}
	return time.Unix(unix, 0).UTC().Format(time.RFC3339)
}

func hostLabel(hostname, agentsn string) string {
	switch {
	case hostname != "":
		return hostname
	case agentsn != "":
		return agentsn
	}
	return "-"
}

func jobState(j *api.JobState) string {
	if j == nil {
		return "-"
	}
	s := j.Action + ":" + j.State
	if j.Errcode != 0 {
		s += fmt.Sprintf("(%d)", j.Errcode)
	}
	return s
}
