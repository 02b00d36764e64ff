package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bootagent/bootagent/server"
)

// newFlags returns a flag set that reports errors itself and never exits.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("bootserver "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args; on a usage error it prints it and returns false (help
// too: the caller exits 2, or 0 for -h, see helpAsked).
func (c *CLI) parse(fs *flag.FlagSet, args []string) (ok bool, code int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(c.Stdout, "usage of %s:\n", fs.Name())
			fs.SetOutput(c.Stdout)
			fs.PrintDefaults()
			return false, exitOK
		}
		return false, c.usageError("%s: %v", fs.Name(), err)
	}
	return true, exitOK
}

// adminFlags are the flags every admin command has.
type adminFlags struct {
	server    *string
	json      *bool
	tokenFile *string
	dataDir   *string
	ca        *string
}

func (c *CLI) addAdminFlags(fs *flag.FlagSet) adminFlags {
	return adminFlags{
		server:    fs.String("server", "", "server URL (default $BOOTSERVER_URL, else "+DefaultServer+")"),
		json:      fs.Bool("json", false, "print JSON instead of a table"),
		tokenFile: fs.String("token-file", "", "file holding the admin token (default $BOOTSERVER_TOKEN, else admin.token in the data directory)"),
		dataDir:   fs.String("data-dir", "", "the server's data directory, where admin.token and ca.pem are (default $BOOTSERVER_DATA_DIR, else "+DefaultDataDir+")"),
		ca:        fs.String("ca", "", "PEM CA an https server's certificate must chain to (default $BOOTSERVER_CA, else ca.pem in the data directory)"),
	}
}

// client returns the admin client for --server, else $BOOTSERVER_URL, else
// DefaultServer, with the token tokenSource finds.
func (c *CLI) client(f adminFlags) (*server.Client, error) {
	u := *f.server
	if u == "" {
		u = c.Getenv("BOOTSERVER_URL")
	}
	if u == "" {
		u = DefaultServer
	}
	if _, err := server.NewClient(u, ""); err != nil {
		return nil, err // a bad URL is a usage error, whatever the token
	}
	tok, err := c.token(f)
	if err != nil {
		return nil, err
	}
	cl, err := server.NewClient(u, tok)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(strings.ToLower(u), "https://") {
		caFile := caSource(*f.ca, c.Getenv("BOOTSERVER_CA"), *f.dataDir, c.Getenv("BOOTSERVER_DATA_DIR"))
		if err := cl.TrustCA(caFile); err != nil {
			return nil, fmt.Errorf("%w: %w (pass --ca F, set $BOOTSERVER_CA, or point --data-dir at the server's data directory)", errCA, err)
		}
	}
	return cl, nil
}

// envFlag collects repeated --env K=V.
type envFlag map[string]string

func (e envFlag) String() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k+"="+e[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (e envFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not NAME=VALUE", v)
	}
	e[k] = val
	return nil
}
