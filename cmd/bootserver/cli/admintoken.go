package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/bootagent/bootagent/api"
)

// cmdAdminToken: admin-token create|list|revoke, operator tokens (SPEC §10).
func (c *CLI) cmdAdminToken(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return c.usageError("admin-token needs a subcommand: create, list or revoke")
	}
	switch args[0] {
	case "create":
		return c.cmdAdminTokenCreate(ctx, args[1:])
	case "list":
		return c.cmdAdminTokenList(ctx, args[1:])
	case "revoke":
		return c.cmdAdminTokenRevoke(ctx, args[1:])
	}
	return c.usageError("unknown admin-token subcommand %q (want create, list or revoke)", args[0])
}

func (c *CLI) cmdAdminTokenCreate(ctx context.Context, args []string) int {
	fs := newFlags("admin-token create")
	af := c.addAdminFlags(fs)
	role := fs.String("role", "", "read (lists only) or admin (jobs, tags, tokens); required")
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return c.usageError("admin-token create takes no arguments, got %q (flags come before arguments)", fs.Args())
	case *role != api.RoleRead && *role != api.RoleAdmin:
		return c.usageError("admin-token create: --role must be read or admin")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	created, err := cl.CreateAdminToken(ctx, *role)
	if err != nil {
		return c.fail(fmt.Errorf("admin-token create: %w", err))
	}
	// The token is printed this once, last, for scripts to capture.
	return c.print(*af.json, created, func(w io.Writer) {
		fmt.Fprintf(w, "admin token %s (role %s), shown only now: %s\n", created.ID, created.Role, created.Token)
	})
}

func (c *CLI) cmdAdminTokenList(ctx context.Context, args []string) int {
	fs := newFlags("admin-token list")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return c.usageError("admin-token list takes no arguments, got %q", fs.Args())
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	toks, err := cl.AdminTokens(ctx)
	if err != nil {
		return c.fail(fmt.Errorf("admin-token list: %w", err))
	}
	return c.print(*af.json, toks, func(tw io.Writer) {
		fmt.Fprintln(tw, "ID\tROLE\tCREATED\tREVOKED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Role, when(t.Created), when(t.Revoked))
		}
	})
}

func (c *CLI) cmdAdminTokenRevoke(ctx context.Context, args []string) int {
	fs := newFlags("admin-token revoke")
	af := c.addAdminFlags(fs)
	if ok, code := c.parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return c.usageError("admin-token revoke takes one argument, the token id (see admin-token list)")
	}
	cl, err := c.client(af)
	if err != nil {
		return c.clientError(err)
	}
	t, err := cl.RevokeAdminToken(ctx, fs.Arg(0))
	if err != nil {
		return c.fail(fmt.Errorf("admin-token revoke: %w", err))
	}
	return c.print(*af.json, t, func(w io.Writer) {
		fmt.Fprintf(w, "admin token %s (role %s) revoked\n", t.ID, t.Role)
	})
}
