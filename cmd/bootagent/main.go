// Command bootagent is the host daemon and its local CLI (SPEC §2).
package main

import (
	"os"

	"github.com/bootagent/bootagent/cmd/bootagent/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
