package server

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
)

func TestMigrationsFromEmpty(t *testing.T) {
	s, _ := openStore(t)
	var v int
	if err := s.rdb.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != schemaVersion {
		t.Fatalf("user_version = %d, %v; want %d", v, err, schemaVersion)
	}
	for _, table := range []string{"hosts", "agents", "events", "jobs", "results", "admin_tokens"} {
		if n := count(t, s, table); n != 0 {
			t.Errorf("%s has %d rows in a new database", table, n)
		}
	}
	var mode string
	if err := s.rdb.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	clk := newClock()
	s := openStoreAt(t, path, clk)
	if _, err := s.wconn.ExecContext(ctx(t), "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path, Options{Logger: testLogger(t), Now: clk.Now})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestRegister(t *testing.T) {
	s, clk := openStore(t)

	reg := register(t, s, "web-1", "sn-1")
	if reg.AgentSN != "sn-1" || !reg.New {
		t.Fatalf("first register = %+v, want sn-1, new", reg)
	}
	if reg := register(t, s, "web-1", "sn-1"); reg.AgentSN != "sn-1" || reg.New {
		t.Fatalf("register again = %+v, want sn-1, not new", reg)
	}
	if reg := register(t, s, "web-0", ""); uuid.Validate(reg.AgentSN) != nil {
		t.Fatalf("register without agentsn got %q, want a UUID", reg.AgentSN)
	}
	if _, err := s.SetTags(ctx(t), "sn-1", "service=ecs,component"); err != nil {
		t.Fatal(err)
	}
	if reg := register(t, s, "web-1", "sn-1"); reg.Tags != "service=ecs,component" {
		t.Fatalf("register answer tags = %q", reg.Tags)
	}

	// A clone: another hostname presents sn-1 while web-1 is live.
	clone := register(t, s, "web-2", "sn-1")
	if clone.AgentSN == "sn-1" || uuid.Validate(clone.AgentSN) != nil {
		t.Fatalf("conflicting register got %q, want a new UUID", clone.AgentSN)
	}
	// Its answer was lost: it presents sn-1 again and gets the same one.
	if again := register(t, s, "web-2", "sn-1"); again.AgentSN != clone.AgentSN {
		t.Fatalf("repeated conflicting register got %q, want %q", again.AgentSN, clone.AgentSN)
	}
	h, err := s.Host(ctx(t), clone.AgentSN)
	if err != nil || h.Hostname != "web-2" || h.ReassignedFrom != "sn-1" {
		t.Fatalf("re-assigned host = %+v, %v", h, err)
	}
	if h, _ := s.Host(ctx(t), "sn-1"); h.Hostname != "web-1" {
		t.Fatalf("sn-1 now belongs to %q, want web-1", h.Hostname)
	}

	// Once web-1 is silent for longer than 3 steps, sn-1 follows a rename.
	clk.Advance(liveSteps*defaultStep*time.Second + time.Second)
	if reg := register(t, s, "web-1-renamed", "sn-1"); reg.AgentSN != "sn-1" {
		t.Fatalf("register after silence got %q, want sn-1 kept", reg.AgentSN)
	}
	if h, _ := s.Host(ctx(t), "sn-1"); h.Hostname != "web-1-renamed" {
		t.Fatalf("sn-1 hostname = %q, want web-1-renamed", h.Hostname)
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	s, _ := openStore(t)
	for _, c := range []struct{ name, hostname, agentsn string }{
		{"no hostname", "", "sn"},
		{"control char", "web\n1", "sn"},
		{"slash in agentsn", "web", "a/b"},
		{"long agentsn", "web", string(make([]byte, 200))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.Register(ctx(t), c.hostname, c.agentsn, ""); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if n := count(t, s, "hosts"); n != 0 {
		t.Fatalf("%d hosts stored from bad registers", n)
	}
}

func TestStatusRegistersUnknownHostImplicitly(t *testing.T) {
	s, _ := openStore(t)
	report(t, s, statusDoc("db-1", "sn-db", "A", "B"))
	h, err := s.Host(ctx(t), "db-1")
	if err != nil {
		t.Fatal(err)
	}
	if h.AgentSN != "sn-db" || h.AgentCount != 2 || h.Status == nil || len(h.Status.Agents) != 2 || !h.Live {
		t.Fatalf("host = %+v", h)
	}
}

func TestAgentsAreThoseOfTheLastStatus(t *testing.T) {
	s, _ := openStore(t)
	report(t, s, statusDoc("web", "sn", "A", "B", "C"))
	doc := statusDoc("web", "sn", "C", "B")
	doc.Agents[0].Job = &api.JobState{ID: "j1", Action: "upgrade", State: "failed", Errcode: 3, Message: "bad checksum"}
	doc.Agents[1].Limits = map[string]string{"cpu": "10%"}
	doc.Agents = append(doc.Agents, doc.Agents[0]) // a repeated name is listed once
	report(t, s, doc)

	agents, err := s.Agents(ctx(t), "web")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range agents {
		names = append(names, a.Name)
	}
	if !slices.Equal(names, []string{"B", "C"}) {
		t.Fatalf("agents = %v, want [B C]", names)
	}
	if j := agents[1].Job; j == nil || j.ID != "j1" || j.State != "failed" || j.Errcode != 3 {
		t.Fatalf("C's job = %+v", j)
	}
	if agents[0].Limits["cpu"] != "10%" || agents[0].Hostname != "web" || agents[0].Host != "sn" {
		t.Fatalf("B = %+v", agents[0])
	}
	if h, _ := s.Host(ctx(t), "sn"); h.AgentCount != 2 {
		t.Fatalf("agent_count = %d, want 2", h.AgentCount)
	}
}

func TestJobLifecycle(t *testing.T) {
	for _, c := range []struct {
		name    string
		errcode int
		want    string
	}{
		{"succeeded", 0, api.JobSucceeded},
		{"failed", 7, api.JobFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, clk := openStore(t)
			register(t, s, "web", "sn")
			j := addJob(t, s, installReq("web", "BasicAgent"))
			if j.State != api.JobQueued || j.Host != "sn" || uuid.Validate(j.ID) != nil {
				t.Fatalf("new job = %+v", j)
			}
			if got := job(t, s, j.ID); got.State != api.JobQueued || got.Deliveries != 0 {
				t.Fatalf("stored new job = %+v", got)
			}

			// Delivered in every status answer until its result arrives.
			for i := 1; i <= 3; i++ {
				clk.Advance(time.Minute)
				jobs := report(t, s, statusDoc("web", "sn"))
				if len(jobs) != 1 || jobs[0].ID != j.ID || jobs[0].Checksum != sum64 || jobs[0].URL == "" {
					t.Fatalf("report %d: jobs = %+v", i, jobs)
				}
				got := job(t, s, j.ID)
				if got.State != api.JobDelivered || got.Deliveries != i || got.Delivered != j.Created+60 ||
					got.LastDelivered != j.Created+int64(60*i) {
					t.Fatalf("after report %d: %+v", i, got)
				}
			}

			res := api.JobResult{ID: j.ID, Errcode: c.errcode, Message: "outcome"}
			if err := s.AddResults(ctx(t), []api.JobResult{res}, "127.0.0.1"); err != nil {
				t.Fatal(err)
			}
			got := job(t, s, j.ID)
			if got.State != c.want || got.Errcode != c.errcode || got.Message != "outcome" || got.Finished == 0 {
				t.Fatalf("after result: %+v", got)
			}
			if jobs := report(t, s, statusDoc("web", "sn")); len(jobs) != 0 {
				t.Fatalf("finished job delivered again: %+v", jobs)
			}

			// A result sent again (even a different one) changes nothing.
			clk.Advance(time.Minute)
			again := api.JobResult{ID: j.ID, Errcode: c.errcode + 1, Message: "other"}
			if err := s.AddResults(ctx(t), []api.JobResult{res, again}, "127.0.0.1"); err != nil {
				t.Fatal(err)
			}
			if after := job(t, s, j.ID); !reflect.DeepEqual(after, got) {
				t.Fatalf("re-sent result changed the job:\n%+v\n%+v", got, after)
			}
			if n := count(t, s, "results"); n != 1 {
				t.Fatalf("%d results stored, want 1", n)
			}
		})
	}
}

func TestJobsDeliveredOldestFirstToTheirHostOnly(t *testing.T) {
	s, _ := openStore(t)
	register(t, s, "a", "sn-a")
	register(t, s, "b", "sn-b")
	var want []string
	for _, n := range []string{"X", "Y", "Z"} {
		want = append(want, addJob(t, s, api.JobRequest{Host: "a", Action: api.ActionRestart, Name: n}).ID)
	}
	addJob(t, s, api.JobRequest{Host: "sn-b", Action: api.ActionConfig, Step: 30})
	var got []string
	for _, j := range report(t, s, statusDoc("a", "sn-a")) {
		got = append(got, j.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("a got %v, want %v", got, want)
	}
	if jobs := report(t, s, statusDoc("b", "sn-b")); len(jobs) != 1 || jobs[0].Action != "config" || jobs[0].Step != 30 {
		t.Fatalf("b got %+v", jobs)
	}
	js, err := s.Jobs(ctx(t), JobFilter{Host: "a", State: api.JobDelivered})
	if err != nil || len(js) != 3 {
		t.Fatalf("Jobs(a, delivered) = %d, %v", len(js), err)
	}
	if js, _ := s.Jobs(ctx(t), JobFilter{Limit: 2}); len(js) != 2 || js[1].Host != "sn-b" {
		t.Fatalf("Jobs(limit 2) = %+v", js)
	}
}

func TestResultForUnknownJobIsKept(t *testing.T) {
	s, _ := openStore(t)
	if err := s.AddResults(ctx(t), []api.JobResult{{ID: "nope", Errcode: 1, Message: "?"}}, ""); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "results"); n != 1 {
		t.Fatalf("results = %d, want 1", n)
	}
	if err := s.AddResults(ctx(t), []api.JobResult{{ID: ""}}, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty id: %v, want ErrInvalid", err)
	}
}

func TestAddJobErrors(t *testing.T) {
	s, clk := openStore(t)
	register(t, s, "web", "sn-1")
	if _, err := s.AddJob(ctx(t), installReq("nowhere", "A")); !errors.Is(err, ErrUnknownHost) {
		t.Fatalf("unknown host: %v", err)
	}
	if _, err := s.AddJob(ctx(t), api.JobRequest{Host: "web", Action: "reboot", Name: "A"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad action: %v", err)
	}
	// Two live hosts named web: ambiguous; once one is silent, the live one.
	register(t, s, "web", "sn-2")
	if _, err := s.AddJob(ctx(t), installReq("web", "A")); !errors.Is(err, ErrAmbiguousHost) {
		t.Fatalf("ambiguous: %v", err)
	}
	clk.Advance(time.Hour)
	register(t, s, "web", "sn-2")
	if j := addJob(t, s, installReq("web", "A")); j.Host != "sn-2" {
		t.Fatalf("job went to %s, want sn-2 (the live one)", j.Host)
	}
	if n := count(t, s, "jobs"); n != 1 {
		t.Fatalf("%d jobs stored, want 1", n)
	}
}

func TestEventsStoredOnce(t *testing.T) {
	s, _ := openStore(t)
	e1 := api.Event{Time: 100, Agent: "A", Type: "exited", Message: "exit status 1", LogTail: "panic"}
	e2 := api.Event{Time: 101, Agent: "A", Type: "fatal", Message: "gave up"}
	e3 := api.Event{Time: 102, Agent: "B", Type: "killed", Message: "memory"}

	// Pushed without a host, then carried by the status report: one row,
	// attributed to the host.
	if n, err := s.AddEvents(ctx(t), "", []api.Event{e1}); err != nil || n != 1 {
		t.Fatalf("AddEvents = %d, %v", n, err)
	}
	doc := statusDoc("web", "sn")
	doc.Events = []api.Event{e1, e2}
	report(t, s, doc)
	report(t, s, doc) // the same events again
	// Pushed with the host: already there.
	if n, err := s.AddEvents(ctx(t), "sn", []api.Event{e2}); err != nil || n != 0 {
		t.Fatalf("AddEvents(sn, e2) = %d, %v; want 0 new", n, err)
	}
	// Pushed without a host after the report: already there.
	if n, err := s.AddEvents(ctx(t), "", []api.Event{e1, e2}); err != nil || n != 0 {
		t.Fatalf("AddEvents('', e1 e2) = %d, %v; want 0 new", n, err)
	}
	// A new one pushed with the host, then reported.
	if n, err := s.AddEvents(ctx(t), "sn", []api.Event{e3}); err != nil || n != 1 {
		t.Fatalf("AddEvents(sn, e3) = %d, %v", n, err)
	}
	doc.Events = []api.Event{e3}
	report(t, s, doc)

	es := events(t, s, "web")
	if len(es) != 3 || count(t, s, "events") != 3 {
		t.Fatalf("events = %+v, want 3", es)
	}
	for i, want := range []api.Event{e1, e2, e3} {
		if es[i].Event != want || es[i].Host != "sn" || es[i].Hostname != "web" {
			t.Errorf("event %d = %+v, want %+v on sn", i, es[i], want)
		}
	}
	// The same event from another host is that host's own.
	other := statusDoc("db", "sn-db")
	other.Events = []api.Event{e1}
	report(t, s, other)
	if n := count(t, s, "events"); n != 4 {
		t.Fatalf("events = %d, want 4", n)
	}
	if es := events(t, s, "db"); len(es) != 1 {
		t.Fatalf("db events = %+v", es)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootserver.db")
	clk := newClock()
	s := openStoreAt(t, path, clk)
	register(t, s, "web", "sn")
	doc := statusDoc("web", "sn", "A")
	doc.Events = []api.Event{{Time: 1, Agent: "A", Type: "exited", Message: "m"}}
	report(t, s, doc)
	done := addJob(t, s, installReq("web", "A"))
	open := addJob(t, s, api.JobRequest{Host: "web", Action: api.ActionStop, Name: "A"})
	if err := s.AddResults(ctx(t), []api.JobResult{{ID: done.ID, Errcode: 0, Message: "ok"}}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStoreAt(t, path, clk)
	defer s.Close()
	if got := job(t, s, done.ID); got.State != api.JobSucceeded || got.Message != "ok" {
		t.Fatalf("finished job after reopen: %+v", got)
	}
	if jobs := report(t, s, statusDoc("web", "sn", "A")); len(jobs) != 1 || jobs[0].ID != open.ID {
		t.Fatalf("open job after reopen: %+v", jobs)
	}
	if es := events(t, s, "sn"); len(es) != 1 {
		t.Fatalf("events after reopen: %+v", es)
	}
	if hs, err := s.Hosts(ctx(t)); err != nil || len(hs) != 1 || hs[0].Hostname != "web" {
		t.Fatalf("hosts after reopen: %+v, %v", hs, err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s, _ := openStore(t)
	s.Close()
	if err := s.AddResults(ctx(t), []api.JobResult{{ID: "x"}}, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// A failing (or panicking) write in a batch undoes only its own changes.
func TestFailedWriteDoesNotSpoilItsBatch(t *testing.T) {
	s, _ := openStore(t)
	hold, held := make(chan struct{}), make(chan struct{})
	go s.write(ctx(t), false, func(*txn) error { close(held); <-hold; return nil })
	<-held // the writer is busy: what follows queues up into one batch

	var wg sync.WaitGroup
	errs := make([]error, 3)
	before := s.Stats().Batches
	for i, fn := range []func(*txn) error{
		func(t *txn) error {
			_, err := s.insertHost(t, "sn-fail", "h", "", "")
			return errors.Join(err, errors.New("boom"))
		},
		func(t *txn) error { panic("bug") },
		func(t *txn) error { _, err := s.insertHost(t, "sn-ok", "h2", "", ""); return err },
	} {
		wg.Go(func() { errs[i] = s.write(ctx(t), true, fn) })
	}
	waitFor(t, "3 queued writes", func() bool { return len(s.ops) == 3 })
	close(hold)
	wg.Wait()
	if errs[0] == nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors = %v", errs)
	}
	if got := s.Stats().Batches - before; got != 2 {
		t.Fatalf("%d batches, want 2 (the held one and the queued three)", got)
	}
	if _, err := s.Host(ctx(t), "sn-fail"); !errors.Is(err, ErrUnknownHost) {
		t.Fatalf("failed write left its host: %v", err)
	}
	if _, err := s.Host(ctx(t), "sn-ok"); err != nil {
		t.Fatalf("good write lost: %v", err)
	}
}

func TestConcurrentReportsGroupCommit(t *testing.T) {
	s, _ := openStore(t)
	const hosts, rounds = 50, 5
	var wg sync.WaitGroup
	for h := range hosts {
		wg.Go(func() {
			name := "host-" + string(rune('a'+h%26)) + uuid.NewString()[:8]
			for range rounds {
				report(t, s, statusDoc(name, name, "A", "B", "C", "D", "E"))
			}
		})
	}
	wg.Wait()
	if n := count(t, s, "hosts"); n != hosts {
		t.Fatalf("hosts = %d, want %d", n, hosts)
	}
	if n := count(t, s, "agents"); n != 5*hosts {
		t.Fatalf("agents = %d, want %d", n, 5*hosts)
	}
	st := s.Stats()
	if st.Writes != hosts*rounds || st.Batches > st.Writes {
		t.Fatalf("stats = %+v", st)
	}
	t.Logf("%d writes in %d batches", st.Writes, st.Batches)
}
