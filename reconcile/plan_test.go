package reconcile

import (
	"fmt"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
)

func doc(name string, mut ...func(*desired.Doc)) desired.Doc {
	d := desired.Doc{Name: name, Command: []string{"sleep", "100"}}
	for _, m := range mut {
		m(&d)
	}
	return d
}

// observedAs is an agent running exactly d.
func observedAs(d desired.Doc, mut ...func(*actual.Agent)) actual.Agent {
	a := actual.Agent{Name: d.Name, Status: actual.Running, Pid: 42, AppliedHash: d.Hash(), ProcessHash: d.ProcessHash()}
	for _, m := range mut {
		m(&a)
	}
	return a
}

func notRunning(a *actual.Agent) { a.Pid = 0; a.Status = actual.Backoff }

func TestPlanAgent(t *testing.T) {
	now := time.Unix(1000, 0)
	base := doc("a")
	stopped := doc("a", func(d *desired.Doc) { d.State = desired.Stopped })
	newCmd := doc("a", func(d *desired.Doc) { d.Command = []string{"sleep", "200"} })
	newEnv := doc("a", func(d *desired.Doc) { d.Env = map[string]string{"K": "v"} })
	newUser := doc("a", func(d *desired.Doc) { d.User = "nobody" })
	newLimits := doc("a", func(d *desired.Doc) { d.Limits.Memory = "20M" })
	ptr := func(a actual.Agent) *actual.Agent { return &a }
	stoppedPkg := doc("a", func(d *desired.Doc) {
		d.State, d.Package = desired.Stopped, &desired.Package{URL: "http://repo/a-2.0.tgz"}
	})
	stoppedObs := func(a *actual.Agent) { a.Pid = 0; a.Status = actual.Stopped }

	tests := []struct {
		name   string
		doc    *desired.Doc
		obs    *actual.Agent
		ready  bool
		want   Kind
		wantAt time.Time
	}{
		{"new agent starts", &base, nil, true, Start, time.Time{}},
		{"new agent starts before sources are ready", &base, nil, false, Start, time.Time{}},
		{"running as desired: nothing", &base, ptr(observedAs(base)), true, None, time.Time{}},
		{"command changed: restart", &newCmd, ptr(observedAs(base)), true, Restart, time.Time{}},
		{"env changed: restart", &newEnv, ptr(observedAs(base)), true, Restart, time.Time{}},
		{"user changed: restart", &newUser, ptr(observedAs(base)), true, Restart, time.Time{}},
		{"only limits changed: apply live", &newLimits, ptr(observedAs(base)), true, Apply, time.Time{}},
		{"desired stopped, running: stop", &stopped, ptr(observedAs(base)), true, Stop, time.Time{}},
		{"desired stopped, backing off: mark stopped", &stopped, ptr(observedAs(base, notRunning)), true, Stop, time.Time{}},
		{"desired stopped, already stopped: nothing", &stopped, ptr(observedAs(stopped, func(a *actual.Agent) { a.Pid = 0; a.Status = actual.Stopped })), true, None, time.Time{}},
		{"desired stopped with a package not staged: stage it", &stoppedPkg, ptr(observedAs(stoppedPkg, stoppedObs)), true, Stop, time.Time{}},
		{"desired stopped with its package staged: nothing", &stoppedPkg, ptr(observedAs(stoppedPkg, stoppedObs, func(a *actual.Agent) { a.PackageHash = stoppedPkg.Hash() })), true, None, time.Time{}},
		{"desired stopped, staging retried later: wait", &stoppedPkg, ptr(observedAs(stoppedPkg, stoppedObs, func(a *actual.Agent) { a.NextStart = now.Add(time.Minute) })), true, Wait, now.Add(time.Minute)},
		{"desired stopped, its package cannot be had: nothing", &stoppedPkg, ptr(observedAs(stoppedPkg, func(a *actual.Agent) { a.Pid = 0; a.Status = actual.Fatal; a.BlockedHash = stoppedPkg.Hash() })), true, None, time.Time{}},
		{"not desired, ready: remove", nil, ptr(observedAs(base)), true, Remove, time.Time{}},
		{"not desired, sources not ready: wait for knowledge", nil, ptr(observedAs(base)), false, None, time.Time{}},
		{"never seen, not desired: nothing", nil, nil, true, None, time.Time{}},
		{"backoff not over: wait", &base, ptr(observedAs(base, notRunning, func(a *actual.Agent) { a.NextStart = now.Add(time.Minute) })), true, Wait, now.Add(time.Minute)},
		{"backoff over: start", &base, ptr(observedAs(base, notRunning, func(a *actual.Agent) { a.NextStart = now })), true, Start, time.Time{}},
		{"backoff but command fixed: start now", &newCmd, ptr(observedAs(base, notRunning, func(a *actual.Agent) { a.NextStart = now.Add(time.Minute) })), true, Start, time.Time{}},
		{"fatal for this doc: nothing", &base, ptr(observedAs(base, notRunning, func(a *actual.Agent) { a.Status = actual.Fatal; a.BlockedHash = base.Hash() })), true, None, time.Time{}},
		{"fatal, doc changed: start", &newLimits, ptr(observedAs(base, notRunning, func(a *actual.Agent) { a.Status = actual.Fatal; a.BlockedHash = base.Hash() })), true, Start, time.Time{}},
		{"fatal, operator restart: restart", &base, ptr(observedAs(base, notRunning, func(a *actual.Agent) { a.Status = actual.Fatal; a.BlockedHash = base.Hash(); a.RestartRequested = true })), true, Restart, time.Time{}},
		{"running, operator restart: restart", &base, ptr(observedAs(base, func(a *actual.Agent) { a.RestartRequested = true })), true, Restart, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanAgent("a", tc.doc, tc.obs, tc.ready, now)
			if got.Kind != tc.want || !got.At.Equal(tc.wantAt) {
				t.Fatalf("PlanAgent = %v at %v, want %v at %v", got.Kind, got.At, tc.want, tc.wantAt)
			}
		})
	}
}

// BenchmarkPlanAgent1000 measures what production runs when every agent's
// worker wakes at once (a new desired set): each one's lifecycle view of
// its doc, then PlanAgent, for 1,000 agents.
func BenchmarkPlanAgent1000(b *testing.B) {
	docs := make([]desired.Doc, 1000)
	obs := make([]*actual.Agent, 1000)
	mems := make([]Memory, 1000)
	for i := range docs {
		d := doc(fmt.Sprintf("agent-%04d", i))
		d.Seal()
		docs[i] = d
		if i%10 != 0 { // most run as desired, some are new
			a := observedAs(d)
			obs[i] = &a
			mems[i] = Memory{Last: &Ran{Doc: d}}
		}
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		for i := range docs {
			m := mems[i].ForDesired(&docs[i])
			PlanAgent(docs[i].Name, m.Effective(&docs[i]), obs[i], true, now)
		}
	}
}
