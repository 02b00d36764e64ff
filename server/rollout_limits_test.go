package server

import (
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// A 10 %-bad fleet (2 of 20) halts exactly at failure N+1: the second
// failure with --max-failures 1, and with a percentage rounded down over
// the hosts (7 % of 20 is 1.4: 1). show says at which failure it halts,
// and once halted no host gets a job.
func TestRolloutBadFleetHaltsAtFailureNPlus1(t *testing.T) {
	for _, tc := range []struct {
		name, maxFailures string
		onFailure         string
		wantState         string
	}{
		{name: "count", maxFailures: "1", wantState: api.RolloutPaused},
		{name: "percentage_rounded_down", maxFailures: "7%", wantState: api.RolloutPaused},
		{name: "rollback", maxFailures: "1", onFailure: "rollback", wantState: api.RolloutRolledBack},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := openStore(t)
			f := newFleet(t, s, clk, 20)
			for sn := range f.version { // a history to roll back to
				addJob(t, s, api.JobRequest{Host: sn, Action: api.ActionInstall, Name: "mon", URL: "http://repo.example/mon-1.tgz", Checksum: sum64})
				f.report(sn)
			}
			req := upgradeTo2(api.RolloutRequest{All: true, Waves: "100%", MaxInFlight: "2", Soak: "0s",
				MaxFailures: tc.maxFailures, OnFailure: tc.onFailure})
			plan := dryRun(t, s, req)
			if plan.HaltsAtFailure != 2 {
				t.Fatalf("dry run halts at failure %d, want 2", plan.HaltsAtFailure)
			}
			r := createRollout(t, s, req)
			if r.HaltsAtFailure != 2 || r.MaxFailures != 1 {
				t.Fatalf("show: max failures %d, halts at failure %d; want 1 and 2", r.MaxFailures, r.HaltsAtFailure)
			}
			// The bad tenth: the 5th and the 12th host in the rollout's order.
			full, _ := s.Rollout(ctx(t), r.ID, RolloutHostsPage{Want: true, After: -1})
			f.bad[full.Hosts[4].AgentSN], f.bad[full.Hosts[11].AgentSN] = true, true
			for i := 0; i < 40 && r.State == api.RolloutRunning; i++ {
				r = f.round(r.ID)
			}
			if r.State == api.RolloutRollingBack {
				for i := 0; i < 40 && r.State == api.RolloutRollingBack; i++ {
					r = f.round(r.ID)
				}
			}
			if r.State != tc.wantState || r.Failures != 2 {
				t.Fatalf("rollout %s (%s) with %d failures %v, want %s at failure 2", r.State, r.Reason, r.Failures, r.Counts, tc.wantState)
			}
			if tc.onFailure == "" && r.Reason != api.ReasonFailures {
				t.Errorf("paused for %q, want failures", r.Reason)
			}
			// Both bad hosts took their job (the halt came at the second
			// failure, not sooner); nobody got the upgrade twice; every host
			// that got it is judged; after a rollback all run version 1.
			took := 0
			for _, h := range full.Hosts {
				got := f.jobs[h.AgentSN] - 1 // less the install
				if f.bad[h.AgentSN] && got != 1 {
					t.Errorf("bad host %s got %d rollout jobs, want 1", h.AgentSN, got)
				}
				if max := map[bool]int{true: 2, false: 1}[tc.onFailure == "rollback"]; got > max {
					t.Errorf("host %s got %d rollout jobs, want at most %d", h.AgentSN, got, max)
				}
				if got > 0 {
					took++
				}
				if tc.onFailure == "rollback" && f.version[h.AgentSN] != "1" {
					t.Errorf("host %s at version %s after the rollback, want 1", h.AgentSN, f.version[h.AgentSN])
				}
			}
			// (a host that took its job in the halting round may still soak)
			if judged := r.Counts[api.HostHealthy] + r.Counts[api.HostFailed] + r.Counts[api.HostReverted] +
				r.Counts[api.HostSoaking]; judged != took {
				t.Errorf("%d hosts took the job, %d judged or soaking (%v); want equal", took, judged, r.Counts)
			}
			handed := total(f.jobs)
			for range 3 {
				f.round(r.ID)
			}
			if n := total(f.jobs); n != handed {
				t.Errorf("%d jobs handed out after the halt", n-handed)
			}
			if r2, _ := s.Rollout(ctx(t), r.ID, RolloutHostsPage{}); r2.Failures != 2 || r2.State != r.State {
				t.Errorf("after the halt: %s with %d failures, want it to stay %s with 2", r2.State, r2.Failures, r.State)
			}
		})
	}
}

func dryRun(t *testing.T, s *Store, req api.RolloutRequest) api.RolloutPlan {
	t.Helper()
	req.DryRun = true
	_, plan, err := s.CreateRollout(ctx(t), req, "tok")
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// A manual pause stops handing out jobs (hosts in flight still get their
// verdict); resume carries on to the end.
func TestRolloutPauseResume(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 6)
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "1,100%", MaxInFlight: "2", Soak: "0s"}))
	r = f.round(r.ID)
	if _, err := s.RolloutAction(ctx(t), r.ID, "pause", "tok"); err != nil {
		t.Fatal(err)
	}
	before := total(f.jobs)
	for range 4 {
		r = f.round(r.ID)
	}
	if r.State != api.RolloutPaused || r.Reason != api.ReasonManual {
		t.Fatalf("rollout %s (%s), want paused (manual)", r.State, r.Reason)
	}
	if n := total(f.jobs); n != before {
		t.Fatalf("%d jobs handed out while paused", n-before)
	}
	if _, err := s.RolloutAction(ctx(t), r.ID, "pause", "tok"); err == nil {
		t.Error("pausing a paused rollout succeeded")
	}
	if _, err := s.RolloutAction(ctx(t), r.ID, "resume", "tok"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20 && r.State != api.RolloutSucceeded; i++ {
		r = f.round(r.ID)
	}
	if r.State != api.RolloutSucceeded || r.Counts[api.HostHealthy] != 6 || total(f.jobs) != 6 {
		t.Fatalf("after resume: %s %v with %d jobs, want succeeded, 6 healthy, 6 jobs", r.State, r.Counts, total(f.jobs))
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Abort ends the rollout at once: hosts not yet judged are cancelled and
// its jobs not yet delivered (here a revert queued for a host that has
// not reported since) are withdrawn, so nobody gets them.
func TestRolloutAbortWithdrawsUndelivered(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 4)
	for sn := range f.version {
		addJob(t, s, api.JobRequest{Host: sn, Action: api.ActionInstall, Name: "mon", URL: "http://repo.example/mon-1.tgz", Checksum: sum64})
		f.report(sn)
	}
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "1,100%", MaxInFlight: "1", Soak: "0s"}))
	for i := 0; i < 10 && r.Counts[api.HostHealthy] == 0; i++ {
		r = f.round(r.ID)
	}
	if r.Counts[api.HostHealthy] != 1 {
		t.Fatalf("no canary healthy: %v", r.Counts)
	}
	if _, err := s.RolloutAction(ctx(t), r.ID, "rollback", "tok"); err != nil {
		t.Fatal(err)
	}
	if err := s.StepRollouts(ctx(t)); err != nil { // queues the canary's revert
		t.Fatal(err)
	}
	full, _ := s.Rollout(ctx(t), r.ID, RolloutHostsPage{Want: true, After: -1})
	var revert string
	for _, h := range full.Hosts {
		if h.RevertJobID != "" {
			revert = h.RevertJobID
		}
	}
	if revert == "" {
		t.Fatal("no revert job queued")
	}
	r, err := s.RolloutAction(ctx(t), r.ID, "abort", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if r.State != api.RolloutAborted {
		t.Fatalf("after abort: %s", r.State)
	}
	j, err := s.Job(ctx(t), revert)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != api.JobFailed || j.Errcode != -1 {
		t.Fatalf("revert job after abort: %s errcode %d, want withdrawn (failed, -1)", j.State, j.Errcode)
	}
	before := total(f.jobs)
	f.round(r.ID)
	if n := total(f.jobs); n != before {
		t.Errorf("%d jobs delivered after the abort", n-before)
	}
	if _, err := s.RolloutAction(ctx(t), r.ID, "resume", "tok"); err == nil {
		t.Error("resuming an aborted rollout succeeded")
	}
}

// A host that takes its job and never reports healthy (its result never
// comes) fails at the healthy deadline, and the rollout pauses with
// reason deadline.
func TestRolloutHealthyDeadlineFails(t *testing.T) {
	s, clk := openStore(t)
	newFleet(t, s, clk, 1)
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "100%", HealthyDeadline: "1m"}))
	doc := statusDoc("host-sn-00", "sn-00")
	doc.Agents = []api.AgentStatus{{Name: "mon", Version: "1", DesiredVersion: "1", Status: "running"}}
	if jobs := report(t, s, doc); len(jobs) != 1 {
		t.Fatalf("got %d jobs, want the rollout's", len(jobs))
	}
	for _, d := range []time.Duration{30 * time.Second, 29 * time.Second} {
		clk.Advance(d)
		report(t, s, doc) // still at version 1, no result
		if err := s.StepRollouts(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if r, _ = s.Rollout(ctx(t), r.ID, RolloutHostsPage{}); r.Counts[api.HostFailed] != 0 {
			t.Fatalf("failed %s after the job, before its deadline", d)
		}
	}
	clk.Advance(time.Second)
	if err := s.StepRollouts(ctx(t)); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Rollout(ctx(t), r.ID, RolloutHostsPage{})
	if r.Counts[api.HostFailed] != 1 || r.State != api.RolloutPaused || r.Reason != api.ReasonDeadline {
		t.Fatalf("at the deadline: %s (%s) %v, want paused (deadline) with the host failed", r.State, r.Reason, r.Counts)
	}
	if len(r.FailedHosts) != 1 || r.FailedHosts[0].Message == "" {
		t.Errorf("failed hosts %+v, want sn-00 with why", r.FailedHosts)
	}
}
