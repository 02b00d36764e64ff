package testscripts

import (
	"os"
	"testing"

	"github.com/bootagent/bootagent/cmd/bootagent/cli"
	servercli "github.com/bootagent/bootagent/cmd/bootserver/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes `bootagent` a command the scripts can exec: the test
// binary itself, run as the real CLI.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bootagent":  func() { os.Exit(cli.Main(os.Args[1:])) },
		"bootserver": func() { os.Exit(servercli.Main(os.Args[1:])) },
	})
}

// TestScripts runs every testdata/*.txtar scenario.
func TestScripts(t *testing.T) {
	testscript.Run(t, Params("testdata"))
}
