package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bootagent/bootagent/api"
)

// cmdToken: token create|list|revoke, enrollment tokens (SPEC §10).
func (c *CLI) cmdToken(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return c.usageError("token needs a subcommand: create, list or revoke")
	}
	switch args[0] {
	case "create":
		return c.cmdTokenCreate(ctx, args[1:])
	case "list":
		return c.cmdTokenList(ctx, args[1:])
	case "revoke":
		return c.cmdTokenRevoke(ctx, args[1:])
	}
	return c.usageError("unknown token subcommand %q (want create, list or revoke)", args[0])
}

func (c *CLI) cmdTokenCreate(ctx context.Context, args []string) int {
	fs := newFlags("token create")
	af := c.addAdminFlags(fs)
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token can be used")
	uses := fs.Int("uses", 1, "how many hosts it can enrol")
	tags := fs.String("tags", "", "tags (k=v,...) given to the hosts it enrols")
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return c.usageError("token create takes no arguments, got %q (flags come before arguments)", fs.Args())
	case *ttl < time.Second:
		return c.usageError("token create: --ttl must be at least 1s")
	case *uses < 1:
		return c.usageError("token create: --uses must be at least 1")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	created, err := cl.CreateEnrollToken(ctx, api.EnrollTokenRequest{TTLSeconds: int64(*ttl / time.Second), Uses: *uses, Tags: *tags})
	if err != nil {
		return c.fail(fmt.Errorf("token create: %w", err))
	}
	// The token is printed this once, last, for scripts to capture.
	return c.print(*af.json, created, func(w io.Writer) {
		fmt.Fprintf(w, "enrollment token %s (%d uses, expires %s), shown only now: %s\n",
			created.ID, created.UsesLeft, when(created.Expires), created.Token)
	})
}

func (c *CLI) cmdTokenList(ctx context.Context, args []string) int {
	fs := newFlags("token list")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("token list takes no arguments, got %q", fs.Args())
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	toks, err := cl.EnrollTokens(ctx)
	if err != nil {
		return c.fail(fmt.Errorf("token list: %w", err))
	}
	return c.print(*af.json, toks, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tUSES LEFT\tTAGS\tCREATED\tEXPIRES\tREVOKED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", t.ID, t.UsesLeft, dash(t.Tags), when(t.Created), when(t.Expires), when(t.Revoked))
		}
	})
}

func (c *CLI) cmdTokenRevoke(ctx context.Context, args []string) int {
	fs := newFlags("token revoke")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("token revoke takes one argument, the token id (see token list)")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	t, err := cl.RevokeEnrollToken(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(fmt.Errorf("token revoke: %w", err))
	}
	return c.print(*af.json, t, func(w io.Writer) { fmt.Fprintf(w, "enrollment token %s revoked\n", t.ID) })
}

// cmdHost: host revoke|unrevoke HOST (SPEC §10).
func (c *CLI) cmdHost(ctx context.Context, args []string) int {
	if len(args) == 0 || (args[0] != "revoke" && args[0] != "unrevoke") {
		return c.usageError("host needs a subcommand: revoke or unrevoke")
	}
	sub := args[0]
	fs := newFlags("host " + sub)
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("host %s takes one argument, the host (agentsn or hostname)", sub)
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	call := cl.RevokeHost
	if sub == "unrevoke" {
		call = cl.UnrevokeHost
	}
	rv, err := call(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(fmt.Errorf("host %s: %w", sub, err))
	}
	return c.print(*af.json, rv, func(w io.Writer) {
		if rv.Revoked {
			fmt.Fprintf(w, "host %s revoked; %d queued jobs cancelled\n", rv.AgentSN, rv.JobsCancelled)
		} else {
			fmt.Fprintf(w, "host %s unrevoked: it may enrol again with a new token\n", rv.AgentSN)
		}
	})
}
