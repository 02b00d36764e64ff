package loadgen

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

func TestVersionOf(t *testing.T) {
	for _, tc := range []struct{ name, url, want string }{
		{name: "tar.gz", url: "http://repo/mon-2.0.tar.gz", want: "2.0"},
		{name: "tgz with dashes", url: "http://repo/my-agent-1.5.6.tgz", want: "1.5.6"},
		{name: "no dash", url: "ftp://repo/7.tgz", want: "7"},
		{name: "rpm", url: "http://repo/mon-3.rpm", want: "3"},
	} {
		if got := VersionOf(tc.url); got != tc.want {
			t.Errorf("%s: VersionOf(%s) = %q, want %q", tc.name, tc.url, got, tc.want)
		}
	}
}

func TestObey(t *testing.T) {
	base := func() []api.AgentStatus {
		return []api.AgentStatus{{Name: "mon", Version: "1", DesiredVersion: "1", Status: "running"}, {Name: "b", Status: "running"}}
	}
	for _, tc := range []struct {
		name     string
		job      api.Job
		fail     bool
		errcode  int
		n        int    // agents after
		version  string // mon's after
		status   string // mon's after
		jobState bool   // mon's latest job is this one
	}{
		{name: "upgrade", job: api.Job{ID: "j", Action: api.ActionUpgrade, Name: "mon", URL: "http://r/mon-2.tgz"}, n: 2, version: "2", status: "running", jobState: true},
		{name: "install new", job: api.Job{ID: "j", Action: api.ActionInstall, Name: "new", URL: "http://r/new-1.tgz"}, n: 3, version: "1", status: "running"},
		{name: "failed upgrade keeps the old", job: api.Job{ID: "j", Action: api.ActionUpgrade, Name: "mon", URL: "http://r/mon-2.tgz"}, fail: true, errcode: 1, n: 2, version: "1", status: "running"},
		{name: "stop", job: api.Job{ID: "j", Action: api.ActionStop, Name: "mon"}, n: 2, version: "1", status: "stoped", jobState: true},
		{name: "uninstall", job: api.Job{ID: "j", Action: api.ActionUninstall, Name: "mon"}, n: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agents, res := Obey(base(), tc.job, tc.fail)
			if res.ID != "j" || res.Errcode != tc.errcode || len(agents) != tc.n {
				t.Fatalf("result %+v with %d agents, want errcode %d and %d agents", res, len(agents), tc.errcode, tc.n)
			}
			if tc.version == "" {
				return
			}
			var mon api.AgentStatus
			for _, a := range agents {
				if a.Name == "mon" {
					mon = a
				}
			}
			if mon.Version != tc.version || mon.Status != tc.status || (mon.Job != nil) != tc.jobState {
				t.Errorf("mon %+v, want version %s, %s, latest job set %v", mon, tc.version, tc.status, tc.jobState)
			}
		})
	}
}

// With Obey, simulated hosts run an upgrade rollout to the end: each
// reports the new version and is judged healthy.
func TestObeyingFleetFinishesARollout(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := server.Open(filepath.Join(t.TempDir(), "db"), server.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hs := httptest.NewServer(openServer(st, log).Handler())
	defer hs.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go st.RunRollouts(ctx, 20*time.Millisecond)
	var id string
	cfg := Config{Server: hs.URL, Hosts: 10, Agents: 2, Concurrency: 2, Duration: time.Minute, Obey: true,
		Timeout: 10 * time.Second, Ready: func() {
			r, _, err := st.CreateRollout(ctx, api.RolloutRequest{Job: api.JobRequest{Action: api.ActionUpgrade, Name: "Agent1",
				URL: "http://repo.example/Agent1-2.0.tar.gz", Checksum: "SHA256:4a34b8d7d3009bb9ef9475fbf33e7bbe4a1e8db003aefc578a241c2f51c2c2f2"},
				All: true, Waves: "1,100%", MaxInFlight: "5", Soak: "0s"}, "test")
			if err != nil {
				t.Error(err)
				cancel()
				return
			}
			id = r.ID
			go func() { // end the run once the rollout has
				for ctx.Err() == nil {
					if r, err := st.Rollout(ctx, id, server.RolloutHostsPage{}); err == nil && r.State != api.RolloutRunning {
						cancel()
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}}
	if _, err := Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	r, err := st.Rollout(t.Context(), id, server.RolloutHostsPage{})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != api.RolloutSucceeded || r.Counts[api.HostHealthy] != 10 {
		t.Fatalf("rollout %s %v, want succeeded with 10 healthy", r.State, r.Counts)
	}
	agents, err := st.Agents(t.Context(), "load-000007")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if a.Name == "Agent1" && (a.Version != "2.0" || a.Job == nil) {
			t.Errorf("Agent1 of load-000007 reports version %s (job %v), want 2.0 from the rollout's job", a.Version, a.Job)
		}
	}
}
