package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/crashpoint"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"github.com/bootagent/bootagent/server/loadgen"
)

// rolloutCrashSteps are the rollout engine's crash points, some at a later
// hit so that the crash falls mid-wave with other hosts in flight. Each
// hit named is always reached: the bad host is in the last wave, and
// waves 1 and 2 (3 hosts) always take, judge and revert.
var rolloutCrashSteps = []string{
	"rollout.created",
	"rollout.assigned", "rollout.assigned:3",
	"rollout.verdict", "rollout.verdict:4",
	"rollout.wave", "rollout.wave:2",
	"rollout.rollback",
	"rollout.revert", "rollout.revert:3",
	"rollout.ended",
}

const crashDBEnv = "BOOTAGENT_TEST_ROLLOUT_DB"

// TestRolloutCrashServer is the server of TestRolloutCrashes, in its own
// process (the test binary re-executed): the store, the HTTP API and the
// rollout engine on the database $BOOTAGENT_TEST_ROLLOUT_DB, serving until
// it is killed (by its crash point or by the test).
func TestRolloutCrashServer(t *testing.T) {
	db := os.Getenv(crashDBEnv)
	if db == "" {
		t.Skip("the server process of TestRolloutCrashes")
	}
	s, err := Open(db, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(s, testLogger(t))
	srv.SetOpenEnrollment(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := db + ".addr"
	if err := os.WriteFile(addr+".tmp", []byte(ln.Addr().String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(addr+".tmp", addr); err != nil {
		t.Fatal(err)
	}
	go s.RunRollouts(t.Context(), 20*time.Millisecond)
	t.Fatal(srv.Serve(t.Context(), ln))
}

// TestRolloutCrashes SIGKILLs bootserver at each crash point of a rollout
// that goes through every step (waves, a failure, an automatic rollback
// with reverts, its end) and restarts it: afterwards every host got at
// most one job of the rollout and one revert, max-in-flight was never
// exceeded, and the rollout still ends rolled back with every host back
// at its previous version.
func TestRolloutCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process per crash point")
	}
	for _, step := range rolloutCrashSteps {
		t.Run(strings.NewReplacer(".", "_", ":", "_").Replace(step), func(t *testing.T) {
			t.Parallel()
			runRolloutCrash(t, step)
		})
	}
}

// crashRig is the server process under test and its simulated fleet.
type crashRig struct {
	t       *testing.T
	db      string
	token   string
	cmd     *osexec.Cmd
	url     string
	crashed bool
	hosts   []*crashHost
}

type crashHost struct {
	sn, cred string
	agents   []api.AgentStatus
	bad      bool               // its upgrade to version 2 fails
	stuck    bool               // its upgrade succeeds, but version 2 never comes up
	got      map[string]api.Job // jobs received, by id
	unacked  []api.JobResult    // results whose post failed: re-sent, as an agent's outbox does
}

func runRolloutCrash(t *testing.T, step string) {
	dir := t.TempDir()
	rig := &crashRig{t: t, db: filepath.Join(dir, "bootserver.db")}
	s, err := Open(rig.db, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	rig.token = adminToken(t, s, api.RoleAdmin).Token
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rig.start(step)
	t.Cleanup(rig.stop)
	for i := range 10 {
		rig.hosts = append(rig.hosts, rig.register(fmt.Sprintf("crash-%02d", i)))
	}
	// Every host runs mon 1 from a job first: that is what a rollback
	// re-applies from the job history.
	for _, h := range rig.hosts {
		rig.admin(http.MethodPost, api.PathAdminJobs, api.JobRequest{Host: h.sn, Action: api.ActionInstall, Name: "mon",
			URL: "http://repo.example/mon-1.tar.gz", Checksum: sum64}, nil)
	}
	rig.rounds("every host at version 1", func() bool { return rig.allAt("1") })

	req := api.RolloutRequest{Job: api.JobRequest{Action: api.ActionUpgrade, Name: "mon",
		URL: "http://repo.example/mon-2.tar.gz", Checksum: sum64}, All: true, Waves: "1,30%,100%",
		MaxInFlight: "3", Soak: "1s", HealthyDeadline: "5m", OnFailure: "rollback"}
	id := rig.create(req)
	var ro api.RolloutInfo
	rig.admin(http.MethodGet, api.PathAdminRollouts+"/"+id+"?hosts=1", nil, &ro)
	last := ro.Hosts[len(ro.Hosts)-1] // in the last wave: the earlier waves succeed, then it fails
	for _, h := range rig.hosts {
		h.bad = h.sn == last.AgentSN
	}
	rig.rounds("the rollout rolled back", func() bool {
		var r api.RolloutInfo
		if !rig.tryAdmin(http.MethodGet, api.PathAdminRollouts+"/"+id, nil, &r) {
			return false
		}
		if n := r.Counts[api.HostDelivered] + r.Counts[api.HostSoaking]; n > r.MaxInFlight {
			t.Fatalf("%d hosts in flight, max %d (%v)", n, r.MaxInFlight, r.Counts)
		}
		ro = r
		return r.State == api.RolloutRolledBack
	})
	if !rig.crashed {
		t.Fatalf("the server never reached crash point %s", step)
	}
	if ro.Failures != 1 || ro.Counts[api.HostFailed] != 1 || ro.Counts[api.HostReverted] == 0 {
		t.Errorf("rollout ended %s with %d failures %v; want one failure and reverted hosts", ro.State, ro.Failures, ro.Counts)
	}
	for _, h := range rig.hosts {
		var applied, reverts int
		for _, j := range h.got {
			switch j.URL {
			case req.Job.URL:
				applied++
			case "http://repo.example/mon-1.tar.gz":
				reverts++
			}
		}
		if applied > 1 || reverts > 2 { // its install, then at most one revert
			t.Errorf("host %s got %d rollout jobs and %d installs of version 1, want at most 1 and 2", h.sn, applied, reverts)
		}
		if v := h.agents[0].Version; v != "1" {
			t.Errorf("host %s ends at version %s, want 1 (rolled back or never changed)", h.sn, v)
		}
		var jobs []api.JobInfo
		rig.admin(http.MethodGet, api.PathAdminJobs+"?host="+h.sn, nil, &jobs)
		if len(jobs) != len(h.got) {
			var states []string
			for _, j := range jobs {
				_, got := h.got[j.ID]
				states = append(states, fmt.Sprintf("%s %s %s received=%v %q", j.ID[:8], j.URL, j.State, got, j.Message))
			}
			t.Errorf("host %s: server has %d jobs, the host received %d: %v", h.sn, len(jobs), len(h.got), states)
		}
	}
}

// start runs the server process, dying at crashAt ("": never).
func (r *crashRig) start(crashAt string) {
	os.Remove(r.db + ".addr")
	cmd := osexec.Command(os.Args[0], "-test.run", "^TestRolloutCrashServer$", "-test.v")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+r.db, crashpoint.EnvVar+"="+crashAt)
	out, err := os.OpenFile(r.db+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.cmd = cmd
	deadline := time.Now().Add(testdeadline.Scale(20 * time.Second))
	for {
		b, err := os.ReadFile(r.db + ".addr")
		if err == nil {
			r.url = "http://" + string(b)
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("server process did not start: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *crashRig) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// down handles a failed request: the server must have died at its crash
// point (only the first process has one); it is restarted without.
func (r *crashRig) down(err error) {
	r.t.Helper()
	if r.crashed {
		r.t.Fatalf("server failed after its restart: %v (log %s)", err, r.db+".log")
	}
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case werr := <-done:
		var ee *osexec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			r.t.Fatalf("server ended with %v, not killed at its crash point (request: %v)", werr, err)
		}
	case <-time.After(testdeadline.Scale(10 * time.Second)):
		r.t.Fatalf("request failed (%v) but the server is still running", err)
	}
	r.crashed, r.cmd = true, nil
	r.start("")
}

// rounds has every host report and obey its jobs until done holds.
func (r *crashRig) rounds(what string, done func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(testdeadline.Scale(60 * time.Second))
	for !done() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		for _, h := range r.hosts {
			r.report(h)
		}
		time.Sleep(20 * time.Millisecond) // pace the simulated fleet, not a wait for a condition
	}
}

func (r *crashRig) report(h *crashHost) {
	doc := api.StatusDoc{Hostname: "host-" + h.sn, AgentSN: h.sn, Version: api.AgentVersion(), Step: 1,
		Agents: h.agents, Events: []api.Event{}}
	var resp api.StatusResponse
	if err := r.post(api.PathStatus, h.cred, doc, &resp); err != nil {
		r.down(err)
		return
	}
	results := h.unacked
	for _, j := range resp.Jobs {
		if _, ok := h.got[j.ID]; ok {
			continue // its result is sent already: a job runs once
		}
		h.got[j.ID] = j
		var res api.JobResult
		if h.stuck && strings.HasSuffix(j.URL, "mon-2.tar.gz") {
			h.agents[0].DesiredVersion = "2" // wanted, still running 1
			results = append(results, api.JobResult{ID: j.ID, Message: "installed"})
			continue
		}
		h.agents, res = loadgen.Obey(h.agents, j, h.bad && strings.HasSuffix(j.URL, "mon-2.tar.gz"))
		results = append(results, res)
	}
	if len(results) > 0 {
		var ack api.Ack
		if err := r.post(api.PathJobResult, h.cred, results, &ack); err != nil {
			// The results were perhaps lost: the host re-sends them, as a
			// real agent's outbox does (it never runs a job twice; the
			// server, which may have stored them, does not send it again).
			h.unacked = results
			r.down(err)
			return
		}
		h.unacked = nil
	}
}

func (r *crashRig) register(name string) *crashHost {
	var resp api.RegisterResponse
	if err := r.post(api.PathRegister, "", api.RegisterRequest{Hostname: "host-" + name, AgentSN: name}, &resp); err != nil {
		r.t.Fatal(err)
	}
	return &crashHost{sn: resp.AgentSN, cred: resp.Credential, agents: []api.AgentStatus{}, got: map[string]api.Job{}}
}

// create creates the rollout; when the server dies on the way, the
// rollout is looked up after the restart (created once at most).
func (r *crashRig) create(req api.RolloutRequest) string {
	var ro api.RolloutInfo
	if r.tryAdmin(http.MethodPost, api.PathAdminRollouts, req, &ro) {
		return ro.ID
	}
	var ros []api.RolloutInfo
	r.admin(http.MethodGet, api.PathAdminRollouts, nil, &ros)
	switch len(ros) {
	case 0:
		r.admin(http.MethodPost, api.PathAdminRollouts, req, &ro)
		return ro.ID
	case 1:
		return ros[0].ID
	}
	r.t.Fatalf("%d rollouts after one create", len(ros))
	return ""
}

func (r *crashRig) admin(method, path string, in, out any) {
	r.t.Helper()
	if !r.tryAdmin(method, path, in, out) {
		if !r.tryAdmin(method, path, in, out) {
			r.t.Fatalf("%s %s failed after a restart", method, path)
		}
	}
}

// tryAdmin sends an admin request; false when the server was down (it is
// then restarted).
func (r *crashRig) tryAdmin(method, path string, in, out any) bool {
	r.t.Helper()
	err := r.do(method, path, "Bearer "+r.token, in, out)
	var status httpStatus
	if errors.As(err, &status) {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	if err != nil {
		r.down(err)
		return false
	}
	return true
}

func (r *crashRig) post(path, cred string, in, out any) error {
	auth := ""
	if cred != "" {
		auth = "Bearer " + cred
	}
	err := r.do(http.MethodPost, path, auth, in, out)
	var status httpStatus
	if errors.As(err, &status) {
		r.t.Fatalf("POST %s: %v", path, err)
	}
	return err
}

// httpStatus is an answer that is not a success: a bug, not a crash.
type httpStatus struct{ msg string }

func (e httpStatus) Error() string { return e.msg }

func (r *crashRig) do(method, path, auth string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			r.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	c, cancel := context.WithTimeout(r.t.Context(), testdeadline.Scale(10*time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(c, method, r.url+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return httpStatus{fmt.Sprintf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return httpStatus{fmt.Sprintf("%s %s: answer %s: %v", method, path, b, err)}
		}
	}
	return nil
}

func (r *crashRig) allAt(v string) bool {
	for _, h := range r.hosts {
		if len(h.agents) == 0 || h.agents[0].Version != v {
			return false
		}
	}
	return true
}
