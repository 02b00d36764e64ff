package testscripts

import (
	"regexp"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdCapture: capture VAR REGEXP — sets $VAR to the first submatch of
// REGEXP (multi-line mode) in the last command's stdout: a token or id a
// command printed, for the commands after it.
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: capture VAR REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("capture: no match for %q in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}
