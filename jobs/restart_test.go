package jobs

import (
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
)

func TestNeedsRestart(t *testing.T) {
	taken := time.Unix(5000, 0)
	agent := func(mut func(*actual.Agent)) *actual.Agent {
		a := &actual.Agent{Name: "a", Status: actual.Running, Pid: 9, StartedAt: taken.Add(-time.Hour)}
		mut(a)
		return a
	}
	same := func(*actual.Agent) {}
	tests := []struct {
		name   string
		action string
		obs    *actual.Agent
		want   bool
	}{
		{"restart: the process from before the job", "restart", agent(same), true},
		{"restart: already done before a crash (a process started since)", "restart", agent(func(a *actual.Agent) { a.StartedAt = taken.Add(time.Second) }), false},
		{"restart: already requested", "restart", agent(func(a *actual.Agent) { a.RestartRequested = true }), false},
		{"restart: not running (crashed in between): asked", "restart", agent(func(a *actual.Agent) { a.Pid, a.Status = 0, actual.Backoff }), true},
		{"restart: nothing observed yet", "restart", nil, true},
		{"start of a fatal agent", "start", agent(func(a *actual.Agent) { a.Pid, a.Status = 0, actual.Fatal }), true},
		{"start of a stopped agent: its doc changes, that is enough", "start", agent(func(a *actual.Agent) { a.Pid, a.Status = 0, actual.Stopped }), false},
		{"start of a fatal agent already asked", "start", agent(func(a *actual.Agent) { a.Pid, a.Status, a.RestartRequested = 0, actual.Fatal, true }), false},
		{"install never restarts", "install", agent(same), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := needsRestart(tc.action, tc.obs, taken); got != tc.want {
				t.Fatalf("needsRestart = %v, want %v", got, tc.want)
			}
		})
	}
}
