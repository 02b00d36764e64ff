package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bootagent/bootagent/desired"
)

// newFlags returns a flag set that reports errors itself and never exits.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("bootagent "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args; on a usage error it prints it and returns false.
func parse(fs *flag.FlagSet, args []string) bool {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		}
		return false
	}
	return true
}

// loadConfig loads the configuration named by --config. The default path
// may be missing (built-in defaults apply); a path given explicitly may not.
func loadConfig(path string) (desired.Config, error) {
	if path == DefaultConfig {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return desired.DefaultConfig(), nil
		}
	}
	return desired.LoadConfig(path)
}

// defaultConfigPath is $BOOTAGENT_CONFIG when set (an extension, handy for
// several daemons on one host and for scripts), else DefaultConfig.
func defaultConfigPath() string {
	if p := os.Getenv("BOOTAGENT_CONFIG"); p != "" {
		return p
	}
	return DefaultConfig
}
