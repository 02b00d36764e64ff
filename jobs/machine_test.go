package jobs

import (
	"sync"
	"testing"
	"time"

	"github.com/bootagent/bootagent/actual"
	"github.com/bootagent/bootagent/api"
)

// fakeHost stands in for the daemon (reconciler, server source), which
// cannot run inside a unit test; the scenarios run the real one.
type fakeHost struct {
	mu       sync.Mutex
	agents   map[string]actual.Agent
	applied  []string // job ids, in order
	restarts []string // agent names
}

func (h *fakeHost) ApplyJob(job api.Job) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.applied = append(h.applied, job.ID)
	return "H-" + job.Name, nil
}
func (h *fakeHost) ApplyConfig(job api.Job) (string, error) { return "applied", nil }
func (h *fakeHost) FileOwner(string) (string, bool)         { return "", false }
func (h *fakeHost) Observe(name string) (actual.Agent, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, ok := h.agents[name]
	return a, ok
}
func (h *fakeHost) Restart(name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.restarts = append(h.restarts, name)
	return nil
}

type rig struct {
	t       *testing.T
	dir     string
	host    *fakeHost
	results *api.Outbox[api.JobResult]
	m       *Machine
	now     time.Time
}

// start opens the ledger and outbox in dir as a daemon start does.
func start(t *testing.T, dir string, host *fakeHost, now time.Time) *rig {
	t.Helper()
	l, err := OpenLedger(dir+"/jobs", LedgerOptions{Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	out, err := api.OpenOutbox[api.JobResult](dir+"/results", api.OutboxLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, dir: dir, host: host, results: out, now: now}
	r.m = New(Config{Host: host, Ledger: l, Results: out, Startup: func() time.Duration { return time.Second },
		Logger: quietLog(), Now: func() time.Time { return r.now }})
	if err := r.m.Resume(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) queued() []api.JobResult {
	r.t.Helper()
	items, _, err := r.results.Peek(0)
	if err != nil {
		r.t.Fatal(err)
	}
	return items
}

func (r *rig) ack() {
	r.t.Helper()
	_, ack, err := r.results.Peek(0)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.results.Done(ack); err != nil {
		r.t.Fatal(err)
	}
}

func TestResultQueuedOnceWhileTheServerResendsTheJob(t *testing.T) {
	t0 := time.Unix(10000, 0)
	host := &fakeHost{agents: map[string]actual.Agent{}}
	r := start(t, t.TempDir(), host, t0)
	job := api.Job{ID: "s1", Action: api.ActionStart, Name: "a"}
	r.m.Take([]api.Job{job}, nil, t0)
	host.agents["a"] = actual.Agent{Name: "a", Status: actual.Running, Pid: 5, AppliedHash: "H-a", StartedAt: t0}
	r.now = t0.Add(2 * time.Second)
	r.m.judgeSeen(map[string][]sighting{"a": {{obs: ptr(host.agents["a"]), at: r.now}}})
	// The server does not take results (503) and re-sends the job at
	// every report; then the daemon is killed and starts again.
	for i := range 5 {
		r.m.Take([]api.Job{job}, nil, r.now.Add(time.Duration(i)*time.Second))
	}
	r = start(t, r.dir, host, r.now.Add(time.Minute))
	r.m.Take([]api.Job{job}, nil, r.now)
	if q := r.queued(); len(q) != 1 || q[0].ID != "s1" || q[0].Errcode != 0 {
		t.Fatalf("outbox holds %+v, want s1's result once", q)
	}
	if len(host.applied) != 1 {
		t.Fatalf("job applied %d times, want once", len(host.applied))
	}
	// Acknowledged: an answer asked for before then still carries the job
	// and changes nothing; one asked for after means the server lost it.
	r.ack()
	r.m.Take([]api.Job{job}, nil, r.now.Add(-time.Second))
	if q := r.queued(); len(q) != 0 {
		t.Fatalf("a crossing answer re-queued %+v", q)
	}
	r.now = r.now.Add(time.Second)
	r.m.Take([]api.Job{job}, nil, r.now.Add(time.Second))
	if q := r.queued(); len(q) != 1 {
		t.Fatalf("a result the server lost is not re-sent: %+v", q)
	}
}

func TestRestartJobResumedAfterACrashRestartsOnce(t *testing.T) {
	t0 := time.Unix(20000, 0)
	old := actual.Agent{Name: "a", Status: actual.Running, Pid: 5, AppliedHash: "H-a", StartedAt: t0.Add(-time.Hour)}
	tests := []struct {
		name string
		// restarted: a process started after the job was taken runs
		// when the daemon comes back.
		restarted    bool
		wantRestarts int
	}{
		{"crash before the restart happened: restarted now", false, 2},
		{"crash after the restart happened: not restarted again", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := &fakeHost{agents: map[string]actual.Agent{"a": old}}
			dir := t.TempDir()
			r := start(t, dir, host, t0)
			r.m.Take([]api.Job{{ID: "r1", Action: api.ActionRestart, Name: "a"}}, nil, t0)
			if len(host.restarts) != 1 {
				t.Fatalf("restarts = %v", host.restarts)
			}
			// The daemon dies here (its restart request was in memory).
			if tc.restarted {
				a := old
				a.Pid, a.StartedAt = 6, t0.Add(time.Second)
				host.agents["a"] = a
			}
			r = start(t, dir, host, t0.Add(3*time.Second))
			if len(host.restarts) != tc.wantRestarts {
				t.Fatalf("restarts = %v, want %d", host.restarts, tc.wantRestarts)
			}
			if !tc.restarted {
				if q := r.queued(); len(q) != 0 {
					t.Fatalf("judged before the restart happened: %+v", q)
				}
				return
			}
			// Judged at once: the new process is past its start-up.
			if q := r.queued(); len(q) != 1 || q[0].ID != "r1" || q[0].Errcode != 0 {
				t.Fatalf("outbox = %+v, want r1 done", q)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
