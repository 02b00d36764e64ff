package server

import (
	"slices"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestSelectorMatches(t *testing.T) {
	tests := []struct {
		name, sel, tags string
		want            bool
	}{
		{"equals", "role=web", "role=web,dc=eu", true},
		{"equals other value", "role=web", "role=db", false},
		{"not equals absent", "role!=db", "dc=eu", true},
		{"not equals other", "role!=db", "role=web", true},
		{"not equals same", "role!=db", "role=db", false},
		{"has", "canary", "canary,role=web", true},
		{"has valued tag", "role", "role=web", true},
		{"has missing", "canary", "role=web", false},
		{"has not", "!canary", "role=web", true},
		{"has not present", "!canary", "canary", false},
		{"and all hold", "role=web,!canary,dc", "role=web,dc=eu", true},
		{"and one fails", "role=web,!canary", "role=web,canary", false},
		{"spaces", " role = web , dc ", "role=web,dc=eu", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := parseSelector(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			if got := sel.matches(tt.tags); got != tt.want {
				t.Errorf("%q matches %q = %v, want %v", tt.sel, tt.tags, got, tt.want)
			}
		})
	}
}

func TestSelectorRefused(t *testing.T) {
	for _, tt := range []struct{ name, sel string }{
		{"empty", ""}, {"empty term", "a,,b"}, {"no key", "=web"}, {"bang only", "!"}, {"double op", "a=b=c"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseSelector(tt.sel); err == nil {
				t.Errorf("parseSelector(%q) accepted", tt.sel)
			}
		})
	}
}

func TestPlanWaves(t *testing.T) {
	tests := []struct {
		name, spec string
		total      int
		want       []int
		err        bool
	}{
		{"defaults over 100", "1,10%,100%", 100, []int{1, 10, 100}, false},
		{"defaults over 5", "1,10%,100%", 5, []int{1, 5}, false},
		{"percent rounds up", "1,10%,100%", 25, []int{1, 3, 25}, false},
		{"last wave always everyone", "1,5", 10, []int{1, 5, 10}, false},
		{"clamped", "1,50", 3, []int{1, 3}, false},
		{"one host", "1,10%,100%", 1, []int{1}, false},
		{"zero wave", "0,100%", 10, nil, true},
		{"garbage", "1,x", 10, nil, true},
		{"over 100 percent", "150%", 10, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planWaves(tt.spec, tt.total)
			if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
				t.Errorf("planWaves(%q, %d) = %v, %v; want %v (error %v)", tt.spec, tt.total, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		name, s  string
		total    int
		up, down int
	}{
		{"count", "3", 100, 3, 3},
		{"ten percent of 100", "10%", 100, 10, 10},
		{"ten percent of 15", "10%", 15, 2, 1},
		{"ten percent of 5", "10%", 5, 1, 0},
		{"zero", "0", 10, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseAmount("x", tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if a.ofUp(tt.total) != tt.up || a.ofDown(tt.total) != tt.down {
				t.Errorf("%q of %d: up %d down %d, want %d %d", tt.s, tt.total, a.ofUp(tt.total), a.ofDown(tt.total), tt.up, tt.down)
			}
		})
	}
}

func TestOrderHostsStable(t *testing.T) {
	sns := []string{"a", "b", "c", "d", "e", "f"}
	one := orderHosts("ro-1", sns)
	rev := slices.Clone(sns)
	slices.Reverse(rev)
	if !slices.Equal(one, orderHosts("ro-1", rev)) {
		t.Errorf("order depends on the input order: %v vs %v", one, orderHosts("ro-1", rev))
	}
	if slices.Equal(one, orderHosts("ro-2", sns)) && slices.Equal(one, orderHosts("ro-3", sns)) {
		t.Errorf("order does not depend on the rollout id: %v", one)
	}
	if rolloutID(1, []byte("x")) != rolloutID(1, []byte("x")) || rolloutID(1, []byte("x")) == rolloutID(2, []byte("x")) {
		t.Error("rollout ids are not deterministic per (seq, request)")
	}
}

func TestJudgeReport(t *testing.T) {
	const job = "job-1"
	running := observation{Present: true, Status: "running", Version: "2.0", Desired: "2.0", Restarts: 1, JobID: job}
	with := func(f func(*observation)) observation { o := running; f(&o); return o }
	tests := []struct {
		name      string
		s         soakState
		tg        target
		o         observation
		now, soak int64
		want      string
		soakStart int64
	}{
		{"first report starts the soak", soakState{ResultAt: 100, Baseline: -1}, targetRunning, running, 105, 10, api.HostSoaking, 105},
		{"soak held", soakState{ResultAt: 100, SoakStart: 105, Baseline: 1}, targetRunning, running, 115, 10, api.HostHealthy, 105},
		{"soak zero is healthy at once", soakState{ResultAt: 100, Baseline: -1}, targetRunning, running, 101, 0, api.HostHealthy, 101},
		{"soak not over", soakState{ResultAt: 100, SoakStart: 105, Baseline: 1}, targetRunning, running, 110, 10, api.HostSoaking, 105},
		{"restart during soak fails", soakState{ResultAt: 100, SoakStart: 105, Baseline: 1}, targetRunning,
			with(func(o *observation) { o.Restarts = 2 }), 110, 10, api.HostFailed, 105},
		{"fatal event fails", soakState{ResultAt: 100, SoakStart: 105, Baseline: 1}, targetRunning,
			with(func(o *observation) { o.BadEvents = []string{"fatal"} }), 110, 10, api.HostFailed, 105},
		{"rolled back to old version fails", soakState{ResultAt: 100, SoakStart: 105, Baseline: 1}, targetRunning,
			with(func(o *observation) { o.Version = "1.0" }), 110, 10, api.HostFailed, 105},
		{"not yet at target waits", soakState{ResultAt: 100, Baseline: -1}, targetRunning,
			with(func(o *observation) { o.Status = "backoff" }), 105, 10, api.HostSoaking, 0},
		{"fatal before soak starts fails", soakState{ResultAt: 100, Baseline: -1}, targetRunning,
			with(func(o *observation) { o.Status = "fatal" }), 105, 10, api.HostFailed, 0},
		{"superseded by another job", soakState{ResultAt: 100, Baseline: -1}, targetRunning,
			with(func(o *observation) { o.JobID = "job-2" }), 105, 10, api.HostFailed, 0},
		{"stop target", soakState{ResultAt: 100, Baseline: -1}, targetStopped,
			with(func(o *observation) { o.Status = "stoped" }), 105, 0, api.HostHealthy, 105},
		{"uninstall target absent", soakState{ResultAt: 100, Baseline: -1}, targetAbsent, observation{}, 105, 0, api.HostHealthy, 105},
		{"uninstall still present", soakState{ResultAt: 100, Baseline: -1}, targetAbsent, running, 105, 0, api.HostSoaking, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judgeReport(tt.s, tt.tg, job, tt.o, tt.now, tt.soak)
			if v.State != tt.want || v.Soak.SoakStart != tt.soakStart {
				t.Errorf("judgeReport = %s (soak start %d, %q), want %s (soak start %d)", v.State, v.Soak.SoakStart,
					v.Message, tt.want, tt.soakStart)
			}
		})
	}
}

func TestObserveIgnoresStaleEvents(t *testing.T) {
	doc := &api.StatusDoc{Agents: []api.AgentStatus{{Name: "mon", Status: "running"}},
		Events: []api.Event{{Time: 90, Agent: "mon", Type: "fatal"}, {Time: 120, Agent: "other", Type: "killed"},
			{Time: 130, Agent: "mon", Type: "exited"}}}
	if o := observe(doc, "mon", 100); len(o.BadEvents) != 0 || !o.Present {
		t.Errorf("observe = %+v: an event before the result, another agent's, or a harmless one counted", o)
	}
	doc.Events = append(doc.Events, api.Event{Time: 140, Agent: "mon", Type: "rollback"})
	if o := observe(doc, "mon", 100); len(o.BadEvents) != 1 {
		t.Errorf("observe = %+v, want the rollback event", o)
	}
}

func TestDeadlineAndExpiry(t *testing.T) {
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"deadline not reached", pastDeadline(100, 150, 60), false},
		{"deadline reached", pastDeadline(100, 160, 60), true},
		{"never delivered", pastDeadline(0, 1000, 60), false},
		{"silent since before the wave", expiredHost(100, 50, 200, 100), true},
		{"wave too young", expiredHost(150, 10, 200, 100), false},
		{"seen lately, waiting for a slot", expiredHost(100, 190, 250, 100), false},
		{"gone silent after the wave began", expiredHost(100, 120, 220, 100), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestNextStep(t *testing.T) {
	run := rolloutView{State: api.RolloutRunning, Wave: 0, Waves: 3, FailLimit: 0, OnFailure: "pause"}
	with := func(f func(*rolloutView)) rolloutView { v := run; f(&v); return v }
	tests := []struct {
		name string
		v    rolloutView
		want step
	}{
		{"wave open waits", with(func(v *rolloutView) { v.OpenInWave = 1 }), step{}},
		{"wave done advances", run, step{Do: "advance"}},
		{"last wave done succeeds", with(func(v *rolloutView) { v.Wave = 2 }), step{Do: "succeed"}},
		{"failure N+1 pauses", with(func(v *rolloutView) { v.Failures = 1; v.OpenInWave = 3 }), step{Do: "pause", Reason: api.ReasonFailures}},
		{"failure N within budget goes on", with(func(v *rolloutView) { v.Failures = 2; v.FailLimit = 2 }), step{Do: "advance"}},
		{"deadline failure pauses with reason deadline", with(func(v *rolloutView) { v.Failures = 1; v.LastFailDeadline = true }),
			step{Do: "pause", Reason: api.ReasonDeadline}},
		{"on-failure rollback", with(func(v *rolloutView) { v.Failures = 1; v.OnFailure = "rollback" }), step{Do: "rollback"}},
		{"paused does nothing", with(func(v *rolloutView) { v.State = api.RolloutPaused }), step{}},
		{"rolling back waits for reverts", with(func(v *rolloutView) { v.State = api.RolloutRollingBack; v.RevertOpen = 2 }), step{}},
		{"rolling back done", with(func(v *rolloutView) { v.State = api.RolloutRollingBack }), step{Do: "rolled_back"}},
		{"succeeded stays", with(func(v *rolloutView) { v.State = api.RolloutSucceeded }), step{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextStep(tt.v); got != tt.want {
				t.Errorf("nextStep = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMayAssign(t *testing.T) {
	run := rolloutView{State: api.RolloutRunning, Wave: 1, InFlight: 2}
	tests := []struct {
		name        string
		v           rolloutView
		wave, limit int
		want        bool
	}{
		{"slot free, wave started", run, 1, 3, true},
		{"earlier wave", run, 0, 3, true},
		{"later wave waits", run, 2, 3, false},
		{"in flight full", run, 1, 2, false},
		{"paused", rolloutView{State: api.RolloutPaused, Wave: 1}, 0, 3, false},
		{"budget spent", rolloutView{State: api.RolloutRunning, Wave: 1, Failures: 1}, 0, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mayAssign(tt.v, tt.wave, tt.limit); got != tt.want {
				t.Errorf("mayAssign = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSkipAndRevert(t *testing.T) {
	up := api.Job{Action: api.ActionUpgrade, Name: "mon", URL: "http://x/mon-2.tgz", Checksum: "SHA256:2"}
	old := api.Job{ID: "j0", Action: api.ActionInstall, Name: "mon", URL: "http://x/mon-1.tgz", Checksum: "SHA256:1"}
	same := up
	running := &api.AgentStatus{Name: "mon", Status: "running", Version: "2", DesiredVersion: "2"}
	tests := []struct {
		name  string
		job   api.Job
		agent *api.AgentStatus
		last  api.Job
		want  string
	}{
		{"fatal before", up, &api.AgentStatus{Name: "mon", Status: "fatal"}, old, "agent fatal before the rollout"},
		{"already at target", up, running, same, "already at the target"},
		{"older version runs", up, running, old, ""},
		{"stop of a stopped agent", api.Job{Action: api.ActionStop, Name: "mon"}, &api.AgentStatus{Name: "mon", Status: "stoped"}, api.Job{}, "already at the target"},
		{"uninstall of an absent agent", api.Job{Action: api.ActionUninstall, Name: "mon"}, nil, api.Job{}, "already at the target"},
		{"restart never skipped", api.Job{Action: api.ActionRestart, Name: "mon"}, running, api.Job{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := skipReason(tt.job, tt.agent, tt.last); got != tt.want {
				t.Errorf("skipReason = %q, want %q", got, tt.want)
			}
		})
	}
	if j, ok := revertJob(up, old); !ok || j.Action != api.ActionUpgrade || j.URL != old.URL || j.ID != "" {
		t.Errorf("revert of an upgrade = %+v %v, want an upgrade to the previous package", j, ok)
	}
	if j, ok := revertJob(api.Job{Action: api.ActionInstall, Name: "mon"}, api.Job{}); !ok || j.Action != api.ActionUninstall {
		t.Errorf("revert of a first install = %+v %v, want uninstall", j, ok)
	}
	if _, ok := revertJob(api.Job{Action: api.ActionRestart, Name: "mon"}, old); ok {
		t.Error("a restart has something to revert")
	}
}
