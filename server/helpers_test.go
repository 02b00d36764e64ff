package server

import (
	"context"
	"encoding/json"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// clock is a test clock in Unix seconds, moved by hand.
type clock struct{ now atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.now.Store(1_764_170_000)
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(c.now.Load(), 0) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d / time.Second)) }
func (c *clock) Unix() int64             { return c.now.Load() }
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openStore opens a store on a fresh database under t.TempDir, closed at
// the end of the test.
func openStore(t testing.TB) (*Store, *clock) {
	t.Helper()
	clk := newClock()
	s := openStoreAt(t, filepath.Join(t.TempDir(), "bootserver.db"), clk)
	t.Cleanup(func() { s.Close() })
	return s, clk
}

func openStoreAt(t testing.TB, path string, clk *clock) *Store {
	t.Helper()
	s, err := Open(path, Options{Logger: testLogger(t), Now: clk.Now})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return s
}

// scale is one second stretched on slow machines (BOOTAGENT_TEST_SCALE=3).
func scale() time.Duration { return testdeadline.Scale(time.Second) }

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * scale())
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ctx(t testing.TB) context.Context { return t.Context() }

// statusDoc is a host's status report with agents named names.
func statusDoc(hostname, agentsn string, names ...string) *api.StatusDoc {
	d := &api.StatusDoc{Hostname: hostname, AgentSN: agentsn, Version: "bootagent-0.1.0-x86_64", Step: 60,
		Agents: []api.AgentStatus{}, Events: []api.Event{}}
	for i, n := range names {
		d.Agents = append(d.Agents, api.AgentStatus{Name: n, Version: "1.0." + strconv.Itoa(i), Status: "running",
			Uptime: 10, Pid: 100 + i, Source: "server"})
	}
	return d
}

const sum64 = "SHA256:4a34b8d7d3009bb9ef9475fbf33e7bbe4a1e8db003aefc578a241c2f51c2c2f2"

func installReq(host, name string) api.JobRequest {
	return api.JobRequest{Host: host, Action: api.ActionInstall, Name: name,
		URL: "http://repo.example/" + name + ".tgz", Checksum: sum64}
}

// report sends doc to the store as POST /agent/status would.
func report(t testing.TB, s *Store, doc *api.StatusDoc) []api.Job {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := s.Report(ctx(t), doc, raw, "127.0.0.1")
	if err != nil {
		t.Fatalf("Report(%s): %v", doc.Hostname, err)
	}
	return jobs
}

func register(t testing.TB, s *Store, hostname, agentsn string) Registration {
	t.Helper()
	reg, err := s.Register(ctx(t), hostname, agentsn, "127.0.0.1")
	if err != nil {
		t.Fatalf("Register(%s, %s): %v", hostname, agentsn, err)
	}
	return reg
}

func addJob(t testing.TB, s *Store, req api.JobRequest) api.JobInfo {
	t.Helper()
	j, err := s.AddJob(ctx(t), req)
	if err != nil {
		t.Fatalf("AddJob(%+v): %v", req, err)
	}
	return j
}

func job(t testing.TB, s *Store, id string) api.JobInfo {
	t.Helper()
	j, err := s.Job(ctx(t), id)
	if err != nil {
		t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

func events(t testing.TB, s *Store, host string) []api.EventInfo {
	t.Helper()
	es, err := s.Events(ctx(t), EventFilter{Host: host})
	if err != nil {
		t.Fatalf("Events(%s): %v", host, err)
	}
	return es
}

// count counts the rows of a table (or view).
func count(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRowContext(ctx(t), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// adminToken mints an operator token of role.
func adminToken(t testing.TB, s *Store, role string) api.AdminTokenCreated {
	t.Helper()
	tok, err := s.CreateAdminToken(ctx(t), role)
	if err != nil {
		t.Fatalf("CreateAdminToken(%s): %v", role, err)
	}
	return tok
}
