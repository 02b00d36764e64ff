package reconcile

import (
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
)

// The remove decision uses the readiness of the source that owned the
// agent: a degraded server source removes nothing of its own, and holds back
// nothing of the files'.
func TestViewReadyIsTheOwnersSource(t *testing.T) {
	degraded := []desired.Snapshot{{Source: desired.SourceFile}, {Source: desired.SourceServer, Degraded: true}}
	healthy := []desired.Snapshot{{Source: desired.SourceFile}, {Source: desired.SourceServer}}
	tests := []struct {
		name     string
		snaps    []desired.Snapshot
		observed *actual.Agent // nil: never observed
		want     Kind
	}{
		{name: "server agent, server degraded: kept", snaps: degraded, observed: &actual.Agent{Pid: 1, Source: desired.SourceServer}, want: None},
		{name: "file agent, server degraded: removed", snaps: degraded, observed: &actual.Agent{Pid: 1, Source: desired.SourceFile}, want: Remove},
		{name: "agent of no known source, server degraded: kept", snaps: degraded, observed: &actual.Agent{Pid: 1}, want: None},
		{name: "server agent, server healthy: removed", snaps: healthy, observed: &actual.Agent{Pid: 1, Source: desired.SourceServer}, want: Remove},
		{name: "file agent, server not reported yet: kept", snaps: healthy[:1], observed: &actual.Agent{Pid: 1, Source: desired.SourceFile}, want: None},
		{name: "never observed: nothing", snaps: degraded, want: None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(Options{StateDir: t.TempDir()})
			t.Cleanup(func() { r.Shutdown(true) })
			m := desired.NewMerger(desired.SourceFile, desired.SourceServer)
			for _, s := range tt.snaps {
				r.set = m.Update(s)
			}
			if tt.observed != nil {
				a := *tt.observed
				a.Name = "a"
				r.observed["a"] = a
			}
			doc, obs, ready, _ := r.view("a")
			if got := PlanAgent("a", doc, obs, ready, time.Now()).Kind; got != tt.want {
				t.Errorf("planned %v, want %v", got, tt.want)
			}
		})
	}
}
