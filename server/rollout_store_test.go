package server

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// fleet simulates hosts that obey jobs: each reports agent mon at the
// version its last applied job names, and answers every job at once with
// the result bad says (errcode 1 for the hosts in bad).
type fleet struct {
	t        *testing.T
	s        *Store
	clk      *clock
	version  map[string]string // agentsn → mon's version
	restarts map[string]int
	bad      map[string]bool // their upgrades fail
	seen     map[string]int  // job id → times delivered with a result already sent
	jobs     map[string]int  // agentsn → jobs received
}

func newFleet(t *testing.T, s *Store, clk *clock, n int) *fleet {
	f := &fleet{t: t, s: s, clk: clk, version: map[string]string{}, restarts: map[string]int{}, bad: map[string]bool{},
		seen: map[string]int{}, jobs: map[string]int{}}
	for i := range n {
		sn := fmt.Sprintf("sn-%02d", i)
		f.version[sn] = "1"
		f.report(sn)
	}
	return f
}

func (f *fleet) report(sn string) {
	f.t.Helper()
	doc := statusDoc("host-"+sn, sn)
	doc.Agents = []api.AgentStatus{{Name: "mon", Version: f.version[sn], DesiredVersion: f.version[sn], Status: "running",
		Restarts: f.restarts[sn]}}
	for _, j := range report(f.t, f.s, doc) {
		if f.seen[j.ID] > 0 {
			continue // the result is already sent: a job is run once
		}
		f.seen[j.ID]++
		f.jobs[sn]++
		errcode := 0
		if f.bad[sn] && j.URL == "http://repo.example/mon-2.tgz" {
			errcode = 1
		} else if j.URL != "" {
			f.version[sn] = map[string]string{"http://repo.example/mon-2.tgz": "2", "http://repo.example/mon-1.tgz": "1"}[j.URL]
		}
		if err := f.s.AddResults(ctx(f.t), []api.JobResult{{ID: j.ID, Errcode: errcode, Message: "done"}}, "127.0.0.1"); err != nil {
			f.t.Fatal(err)
		}
	}
}

// round: every host reports, time moves on, the engine steps; it returns
// the rollout as it then is and fails the test if in-flight ever exceeds
// the limit.
func (f *fleet) round(id string) api.RolloutInfo {
	f.t.Helper()
	for sn := range f.version {
		f.report(sn)
	}
	f.clk.Advance(5 * time.Second)
	if err := f.s.StepRollouts(ctx(f.t)); err != nil {
		f.t.Fatal(err)
	}
	r, err := f.s.Rollout(ctx(f.t), id, RolloutHostsPage{})
	if err != nil {
		f.t.Fatal(err)
	}
	if n := r.Counts[api.HostDelivered] + r.Counts[api.HostSoaking]; n > r.MaxInFlight {
		f.t.Fatalf("%d hosts in flight, max %d", n, r.MaxInFlight)
	}
	return r
}

func upgradeTo2(req api.RolloutRequest) api.RolloutRequest {
	req.Job = api.JobRequest{Action: api.ActionUpgrade, Name: "mon", URL: "http://repo.example/mon-2.tgz", Checksum: sum64}
	return req
}

func createRollout(t *testing.T, s *Store, req api.RolloutRequest) api.RolloutInfo {
	t.Helper()
	r, _, err := s.CreateRollout(ctx(t), req, "tok")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRolloutWavesSucceed(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 5)
	req := upgradeTo2(api.RolloutRequest{All: true, Waves: "1,100%", MaxInFlight: "2", Soak: "10s"})
	plan, _, err := s.CreateRollout(ctx(t), func() api.RolloutRequest { r := req; r.DryRun = true; return r }(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	_, plan2, _ := s.CreateRollout(ctx(t), func() api.RolloutRequest { r := req; r.DryRun = true; return r }(), "tok")
	_ = plan
	r := createRollout(t, s, req)
	if r.ID != plan2.ID || len(r.Waves) != 2 || r.Waves[0] != 1 {
		t.Fatalf("rollout %s waves %v; dry run said %s", r.ID, r.Waves, plan2.ID)
	}
	for i := 0; i < 30 && r.State == api.RolloutRunning; i++ {
		r = f.round(r.ID)
	}
	if r.State != api.RolloutSucceeded || r.Counts[api.HostHealthy] != 5 {
		t.Fatalf("rollout %s %v, want succeeded with 5 healthy", r.State, r.Counts)
	}
	for sn, n := range f.jobs {
		if n != 1 || f.version[sn] != "2" {
			t.Errorf("%s got %d jobs, runs version %s; want one job, version 2", sn, n, f.version[sn])
		}
	}
}

func TestRolloutCanaryFailurePausesThenRollsBack(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 5)
	// Every host got version 1 from a job: the history rollback re-applies.
	for sn := range f.version {
		addJob(t, s, api.JobRequest{Host: sn, Action: api.ActionInstall, Name: "mon", URL: "http://repo.example/mon-1.tgz", Checksum: sum64})
		f.report(sn)
	}
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "1,100%", MaxInFlight: "2", Soak: "10s"}))
	canary := ""
	for i := 0; i < 10 && canary == ""; i++ {
		r = f.round(r.ID)
		full, _ := s.Rollout(ctx(t), r.ID, RolloutHostsPage{Want: true, After: -1})
		for _, h := range full.Hosts {
			if h.State == api.HostSoaking {
				canary = h.AgentSN
			}
		}
	}
	if canary == "" {
		t.Fatal("no canary reached soaking")
	}
	r = f.round(r.ID)    // its first report after the result starts the soak
	f.restarts[canary]++ // then it crash-loops
	r = f.round(r.ID)
	if r.State != api.RolloutPaused || r.Reason != api.ReasonFailures || r.Counts[api.HostFailed] != 1 {
		t.Fatalf("rollout %s (%s) %v, want paused for failures", r.State, r.Reason, r.Counts)
	}
	for i := 0; i < 3; i++ {
		r = f.round(r.ID)
	}
	for sn, n := range f.jobs {
		if sn != canary && n != 1 {
			t.Errorf("host %s got %d jobs after the canary failed, want only its install", sn, n)
		}
	}
	if _, err := s.RolloutAction(ctx(t), r.ID, "rollback", "tok"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10 && r.State != api.RolloutRolledBack; i++ {
		r = f.round(r.ID)
	}
	if r.State != api.RolloutRolledBack || r.Counts[api.HostReverted] != 1 || f.version[canary] != "1" {
		t.Fatalf("rollout %s %v, canary at %s; want rolled_back, canary reverted to 1", r.State, r.Counts, f.version[canary])
	}
}

func TestRolloutOnePerPair(t *testing.T) {
	s, clk := openStore(t)
	newFleet(t, s, clk, 2)
	createRollout(t, s, upgradeTo2(api.RolloutRequest{Hosts: []string{"sn-00", "sn-01"}}))
	_, _, err := s.CreateRollout(ctx(t), upgradeTo2(api.RolloutRequest{Selector: "!canary"}), "tok")
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("second rollout on the same pairs: %v, want ErrConflict", err)
	}
	req := installReq("sn-00", "mon")
	if _, err := s.AddJob(ctx(t), req); !errors.Is(err, ErrConflict) {
		t.Fatalf("job add on a rollout's pair: %v, want ErrConflict", err)
	}
	req.Force = true
	if _, err := s.AddJob(ctx(t), req); err != nil {
		t.Fatalf("job add --force: %v", err)
	}
	if _, err := s.AddJob(ctx(t), installReq("sn-00", "other")); err != nil {
		t.Fatalf("job add for another agent: %v", err)
	}
}

func TestRolloutOfflineHostExpires(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 3)
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "100%", MaxInFlight: "3", Soak: "0s", Expire: "1m"}))
	gone := "sn-01"
	delete(f.version, gone) // it never reports again
	for i := 0; i < 30 && r.State == api.RolloutRunning; i++ {
		r = f.round(r.ID)
	}
	if r.State != api.RolloutSucceeded || r.Counts[api.HostExpired] != 1 || r.Counts[api.HostHealthy] != 2 || r.Failures != 0 {
		t.Fatalf("rollout %s %v failures %d, want succeeded with 1 expired, 2 healthy, no failure", r.State, r.Counts, r.Failures)
	}
	f.version[gone] = "1"
	f.report(gone)
	if f.jobs[gone] != 0 {
		t.Errorf("the expired host got %d jobs on its return, want none", f.jobs[gone])
	}
}

func TestRolloutSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	path := filepath.Join(dir, "b.db")
	s := openStoreAt(t, path, clk)
	f := newFleet(t, s, clk, 4)
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true, Waves: "1,100%", MaxInFlight: "2", Soak: "5s"}))
	r = f.round(r.ID)
	r = f.round(r.ID)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStoreAt(t, path, clk)
	f.s = s
	for i := 0; i < 30 && r.State == api.RolloutRunning; i++ {
		r = f.round(r.ID)
	}
	if r.State != api.RolloutSucceeded {
		t.Fatalf("after a restart: %s %v", r.State, r.Counts)
	}
	if n := count(t, s, "jobs"); n != 4 {
		t.Errorf("%d jobs for 4 hosts, want one each", n)
	}
}

func TestRolloutFollowPicksUpLaterHost(t *testing.T) {
	s, clk := openStore(t)
	f := newFleet(t, s, clk, 2)
	for sn := range f.version {
		if _, err := s.SetTags(ctx(t), sn, "role=web"); err != nil {
			t.Fatal(err)
		}
	}
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{Selector: "role=web", Follow: true, Waves: "100%", MaxInFlight: "5", Soak: "0s"}))
	f.version["sn-99"] = "1"
	f.report("sn-99") // a new host, untagged: not a member
	if _, err := s.SetTags(ctx(t), "sn-99", "role=web"); err != nil {
		t.Fatal(err)
	}
	r = f.round(r.ID)
	r = f.round(r.ID)
	if r.Total != 3 || f.version["sn-99"] != "2" {
		t.Fatalf("rollout has %d hosts (%v), later host at %s; want 3 and version 2", r.Total, r.Counts, f.version["sn-99"])
	}
}
