package reconcile

import (
	"errors"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/supervise"
)

// Where cgroups cannot be used, an agent with limits is not started and
// says what is missing; one without limits runs normally. (Unavailability is
// injected: this machine has cgroups.)
func TestWithoutCgroupsOnlyUnlimitedAgentsRun(t *testing.T) {
	r := New(Options{StateDir: t.TempDir(), CgroupErr: errors.New("memory controller missing")})
	t.Cleanup(func() { r.Shutdown(true) })
	r.SetDesired(set(
		desired.Doc{Name: "capped", Command: []string{"sleep", "300"}, Limits: desired.Limits{Memory: "20M"}},
		desired.Doc{Name: "free", Command: []string{"sleep", "300"}},
	))
	waitAgent(t, r, "free", actual.Agent.Running)
	a := waitAgent(t, r, "capped", func(a actual.Agent) bool { return a.Status == actual.Fatal })
	if !strings.Contains(a.Message, "memory 20M need cgroups") || !strings.Contains(a.Message, "memory controller missing") {
		t.Fatalf("message = %q", a.Message)
	}
}

func TestAdoptDiscardsRecordsThatDoNotMatch(t *testing.T) {
	r := newTestReconciler(t)
	recs := r.records()
	// pid 1 exists but with another start time: a reused pid.
	stale := actual.Record{Name: "stale", Pid: 1, StartTime: 12345, ProcessHash: "x", AppliedHash: "y"}
	if err := recs.Save(stale); err != nil {
		t.Fatal(err)
	}
	loaded, errs := recs.Load()
	if len(errs) != 0 || len(loaded) != 1 {
		t.Fatalf("Load = %v, %v", loaded, errs)
	}
	r.Adopt(loaded)
	if len(r.Agents()) != 0 {
		t.Fatalf("adopted a process that is not the recorded one: %+v", r.Agents())
	}
	if again, _ := recs.Load(); len(again) != 0 {
		t.Fatal("the stale record was kept")
	}
}

func TestFormatLimits(t *testing.T) {
	tests := []struct {
		name string
		in   supervise.CgroupLimits
		want string
	}{
		{"unlimited", supervise.CgroupLimits{}, "map[]"},
		{"percent and megabytes", supervise.CgroupLimits{CPUPercent: 10, MemoryBytes: 20 << 20}, "map[cpu:10% memory:20M]"},
		{"fraction and gigabytes", supervise.CgroupLimits{CPUPercent: 12.5, MemoryBytes: 2 << 30}, "map[cpu:12.5% memory:2G]"},
		{"odd bytes", supervise.CgroupLimits{MemoryBytes: 1000}, "map[memory:1000]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FormatLimits(tc.in)
			if s := fmtMap(got); s != tc.want {
				t.Fatalf("FormatLimits = %s, want %s", s, tc.want)
			}
		})
	}
}

func fmtMap(m map[string]string) string {
	if m == nil {
		return "map[]"
	}
	s := "map["
	for _, k := range []string{"cpu", "memory"} {
		if v, ok := m[k]; ok {
			s += k + ":" + v + " "
		}
	}
	return strings.TrimSpace(s) + "]"
}
