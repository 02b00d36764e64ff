// Package testtools decides, in one place, what a test does when a system
// tool it needs (rpm, qemu, PostgreSQL, Chromium...) is not on the machine:
// it skips with the reason, unless BOOTAGENT_REQUIRE_TOOLS=1 (set by .ci/run
// after `make deps` installed them), where a missing tool is a failure.
package testtools

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable that turns a skip for a missing tool into a
// failure.
const RequireEnv = "BOOTAGENT_REQUIRE_TOOLS"

// Required reports whether missing tools must fail tests rather than skip.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing names the first of tools not found in $PATH (a name containing a
// slash is checked as a path), or "" when all are there.
func Missing(tools ...string) string {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return tool
		}
	}
	return ""
}

// Need skips t (or fails it under BOOTAGENT_REQUIRE_TOOLS=1) unless every
// tool is found; it returns only when they all are. hint says which Debian
// package provides them, e.g. "apt-get install rpm (make deps)".
func Need(t testing.TB, hint string, tools ...string) {
	t.Helper()
	if tool := Missing(tools...); tool != "" {
		Unavailable(t, fmt.Sprintf("%s not found in $PATH (%s)", tool, hint))
	}
}

// Unavailable skips t with reason, or fails it when tools are required. For
// needs that are not a binary in $PATH (a kernel image, a PostgreSQL that
// will not start).
func Unavailable(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s, and %s=1 requires it", reason, RequireEnv)
	}
	t.Skipf("skipping: %s (set %s=1 to fail instead)", reason, RequireEnv)
}
