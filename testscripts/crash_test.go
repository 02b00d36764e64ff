package testscripts

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// jobCrashSteps are the crash points (internal/crashpoint) on a job's way,
// in order, with how many times the server may see its result again
// (countmatch's N or MIN-MAX): a crash after the server acknowledged it
// and before the agent recorded that (sent, reported) re-sends it once,
// which the server ignores by id. Once the result is in the outbox
// (queued) the sender may post it at once, so a crash right after queuing
// may already fall inside that window.
//
// starts is how many times the agent's program may have started over the
// life cycle (4 when nothing is repeated). A crash at job.applied may fall
// between the worker's fork and its run record (the job machine records
// "applied" while the worker starts the process): the next daemon then
// finds an unrecorded process in the agent's cgroup, kills it as a stray
// and starts the agent once more. Never two copies, and the job itself is
// applied once; only that start is repeated.
var jobCrashSteps = []struct {
	step   string
	dups   string
	starts string
}{
	{"job.taken", "0", "4"},     // the whole job recorded
	{"job.desired", "0", "4"},   // the server doc persisted (or restart asked), not yet recorded as applied
	{"job.applied", "0", "4-5"}, // recorded as applied, not judged
	{"job.judged", "0", "4"},    // the result recorded, not yet in the outbox
	{"job.queued", "0-1", "4"},  // the result in the outbox (perhaps sent and acknowledged already)
	{"job.sent", "1", "4"},      // the server acknowledged it, not yet recorded
	{"job.reported", "1", "4"},  // recorded as acknowledged, not yet out of the outbox
}

// TestJobCrashes runs testdata/crash/jobs__crash_at_step.txtar once per
// step of jobCrashSteps (subtests jobs__crash_at_<step>).
func TestJobCrashes(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join("testdata", "crash", "jobs__crash_at_step.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, s := range jobCrashSteps {
		short := strings.ReplaceAll(s.step, ".", "-")
		name := "jobs__crash_at_" + strings.ReplaceAll(s.step, ".", "_") + ".txtar"
		script := fmt.Sprintf("env CRASH_STEP=%s\nenv CRASH_NAME=%s\nenv DUPS=%s\nenv STARTS=%s\n", s.step, short, s.dups, s.starts) + string(tmpl)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, Params(dir))
}
