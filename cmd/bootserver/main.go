// Command bootserver is the reference control server of SPEC §8 and its
// admin command line.
package main

import (
	"os"

	"github.com/bootagent/bootagent/cmd/bootserver/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
