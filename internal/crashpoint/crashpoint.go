// Package crashpoint is a test-only hook that kills the daemon at a named
// durable step, so scenarios can prove that a crash between any two steps
// resumes where it stopped (SPEC §9 "nothing is lost").
//
// $BOOTAGENT_CRASH_AT names the step, optionally with the hit on which to
// die: "job.taken" dies at the first hit, "job.taken:3" at the third. The
// variable is read once at start; unset (production), Here costs one load
// and a compare.
package crashpoint

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// EnvVar names the step at which the process kills itself.
const EnvVar = "BOOTAGENT_CRASH_AT"

var (
	step string           // the step named in EnvVar; "" when unset
	hit  int64        = 1 // die on this hit of step
	hits atomic.Int64     // hits of step so far
)

func init() { step, hit = Parse(os.Getenv(EnvVar)) }

// Parse splits "STEP[:N]" into the step and the hit to die on (default 1,
// and 1 for an N that is not a positive integer).
func Parse(v string) (string, int64) {
	name, n, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok {
		return name, 1
	}
	k, err := strconv.ParseInt(n, 10, 64)
	if err != nil || k < 1 {
		return name, 1
	}
	return name, k
}

// Here kills the process with SIGKILL (no deferred work, no flush: exactly
// what a power cut or the OOM killer does) when name is the configured step
// and this is the configured hit.
func Here(name string) {
	if step == "" || name != step {
		return
	}
	if hits.Add(1) == hit {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL is not deliverable late, but never return past it
	}
}
