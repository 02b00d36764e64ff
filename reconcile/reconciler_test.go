package reconcile

import (
	"fmt"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
)

func newTestReconciler(t *testing.T) *Reconciler {
	t.Helper()
	r := New(Options{
		StateDir:  t.TempDir(),
		Policy:    desired.RestartPolicy{Delay: 0, Window: desired.Duration(time.Hour), MaxFailures: 3},
		StopGrace: 2 * time.Second,
	})
	t.Cleanup(func() { r.Shutdown(true) })
	return r
}

func waitAgent(t *testing.T, r *Reconciler, name string, ok func(actual.Agent) bool) actual.Agent {
	t.Helper()
	deadline := time.Now().Add(testDeadline())
	var last actual.Agent
	for time.Now().Before(deadline) {
		for _, a := range r.Agents() {
			if a.Name == name {
				last = a
				if ok(a) {
					return a
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("agent %s never reached the condition; last %+v", name, last)
	return last
}

func set(docs ...desired.Doc) desired.Set {
	s := desired.Set{Ready: true, Docs: map[string]desired.Doc{}}
	for _, d := range docs {
		s.Docs[d.Name] = d
	}
	return s
}

func TestNewestDesiredStateWins(t *testing.T) {
	r := newTestReconciler(t)
	var last desired.Doc
	for i := 0; i < 20; i++ {
		last = desired.Doc{Name: "a", Command: []string{"sleep", fmt.Sprint(300 + i)}}
		r.SetDesired(set(last))
	}
	want := last.ProcessHash()
	a := waitAgent(t, r, "a", func(a actual.Agent) bool { return a.Running() && a.ProcessHash == want })
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", a.Pid))
	if !strings.Contains(string(cmdline), "319") {
		t.Fatalf("running %q, want the last command (sleep 319)", cmdline)
	}
}

func TestRemoveStopsAndForgets(t *testing.T) {
	r := newTestReconciler(t)
	r.SetDesired(set(desired.Doc{Name: "a", Command: []string{"sleep", "300"}}))
	a := waitAgent(t, r, "a", actual.Agent.Running)
	r.SetDesired(set())
	deadline := time.Now().Add(testDeadline())
	for len(r.Agents()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(r.Agents()) != 0 {
		t.Fatal("removed agent still observed")
	}
	if err := syscall.Kill(a.Pid, 0); err != syscall.ESRCH {
		t.Fatalf("process %d still alive after removal", a.Pid)
	}
}

func TestNothingRemovedBeforeSourcesReady(t *testing.T) {
	r := newTestReconciler(t)
	r.SetDesired(set(desired.Doc{Name: "a", Command: []string{"sleep", "300"}}))
	a := waitAgent(t, r, "a", actual.Agent.Running)
	notReady := set()
	notReady.Ready = false
	r.SetDesired(notReady)
	// Re-plan synchronously: a not-ready empty set must plan nothing for a.
	doc, obs, ready, _ := r.view("a")
	if act := PlanAgent("a", doc, obs, ready, time.Now()); act.Kind != None {
		t.Fatalf("planned %v before sources were ready", act.Kind)
	}
	if err := syscall.Kill(a.Pid, 0); err != nil {
		t.Fatalf("process stopped before sources were ready: %v", err)
	}
}

func TestShutdownKeepsOrStops(t *testing.T) {
	for _, stop := range []bool{true, false} {
		t.Run(fmt.Sprintf("stopAgents=%v", stop), func(t *testing.T) {
			r := New(Options{StateDir: t.TempDir(), StopGrace: time.Second})
			r.SetDesired(set(desired.Doc{Name: "a", Command: []string{"sleep", "300"}}))
			a := waitAgent(t, r, "a", actual.Agent.Running)
			r.Shutdown(stop)
			alive := syscall.Kill(a.Pid, 0) == nil
			if !stop {
				t.Cleanup(func() { syscall.Kill(-a.Pid, syscall.SIGKILL) })
			}
			if alive == stop {
				t.Fatalf("after Shutdown(%v) process alive=%v", stop, alive)
			}
		})
	}
}

func TestStartFailureBacksOffThenFatal(t *testing.T) {
	r := newTestReconciler(t)
	r.SetDesired(set(desired.Doc{Name: "a", Command: []string{"/no/such/binary"}}))
	a := waitAgent(t, r, "a", func(a actual.Agent) bool { return a.Status == actual.Fatal })
	if !strings.Contains(a.Message, "fatal after 4 abnormal exits") || !strings.Contains(a.Message, "/no/such/binary") {
		t.Fatalf("message = %q", a.Message)
	}
	if _, err := os.Stat(filepath.Join(r.opts.StateDir, "agents", "a")); err != nil {
		t.Fatalf("working dir not created: %v", err)
	}
}

// testDeadline bounds every wait: generous (it only matters when a test is
// failing anyway), times $BOOTAGENT_TEST_SCALE on slow machines.
func testDeadline() time.Duration { return testdeadline.Scale(30 * time.Second) }
