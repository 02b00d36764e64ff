package server

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

const day = 24 * time.Hour

// pushEvents stores n distinct events for agentsn, received now.
func pushEvents(t *testing.T, s *Store, agentsn, tag string, n int) {
	t.Helper()
	var es []api.Event
	for i := range n {
		es = append(es, api.Event{Time: 1_764_170_000, Agent: "A", Type: "exited", Message: fmt.Sprintf("%s-%d", tag, i)})
	}
	if _, err := s.AddEvents(ctx(t), agentsn, es); err != nil {
		t.Fatal(err)
	}
}

func eventMessages(t *testing.T, s *Store, host string) []string {
	t.Helper()
	var out []string
	for _, e := range events(t, s, host) {
		out = append(out, e.Message)
	}
	return out
}

func prune(t *testing.T, s *Store, r Retention) Pruned {
	t.Helper()
	p, err := s.Prune(ctx(t), r)
	if err != nil {
		t.Fatalf("Prune(%+v): %v", r, err)
	}
	return p
}

func TestPruneEventsByAgeInBatches(t *testing.T) {
	s, clk := openStore(t)
	register(t, s, "web", "sn")
	pushEvents(t, s, "sn", "old", 10)
	clk.Advance(20 * day)
	pushEvents(t, s, "sn", "new", 2)
	clk.Advance(11 * day) // old ones are 31 days old, new ones 11

	if p := prune(t, s, Retention{}); p.any() {
		t.Fatalf("zero retention pruned %+v", p)
	}
	// A batch of 3 takes four writes for ten rows: all of them go.
	batches := s.Stats().Batches
	p := prune(t, s, Retention{Events: 30 * day, Batch: 3})
	if p.Events != 10 {
		t.Fatalf("pruned %+v, want 10 events", p)
	}
	if got := eventMessages(t, s, "sn"); !slices.Equal(got, []string{"new-0", "new-1"}) {
		t.Fatalf("events left: %v", got)
	}
	if n := s.Stats().Batches - batches; n < 4 {
		t.Fatalf("10 rows pruned in %d writes with a batch of 3: not bounded", n)
	}
}

func TestPruneEventsBeyondPerHostCap(t *testing.T) {
	s, _ := openStore(t)
	register(t, s, "web", "sn-a")
	register(t, s, "db", "sn-b")
	pushEvents(t, s, "sn-a", "a", 7)
	pushEvents(t, s, "sn-b", "b", 3)

	p := prune(t, s, Retention{EventsPerHost: 5, Batch: 1})
	if p.Events != 2 {
		t.Fatalf("pruned %+v, want 2 events", p)
	}
	if got := eventMessages(t, s, "sn-a"); !slices.Equal(got, []string{"a-2", "a-3", "a-4", "a-5", "a-6"}) {
		t.Fatalf("sn-a keeps %v, want its 5 newest", got)
	}
	if got := eventMessages(t, s, "sn-b"); len(got) != 3 {
		t.Fatalf("sn-b under the cap lost events: %v", got)
	}
}

// Finished jobs and their results go after the retention; a job still
// queued or delivered (no result yet) stays, however old.
func TestPruneFinishedJobsNeverOpenOnes(t *testing.T) {
	s, clk := openStore(t)
	register(t, s, "web", "sn")
	register(t, s, "idle", "sn-idle") // never reports: its job stays queued
	queued := addJob(t, s, installReq("idle", "Queued"))
	delivered := addJob(t, s, installReq("web", "Delivered"))
	done := addJob(t, s, installReq("web", "Done"))
	failed := addJob(t, s, installReq("web", "Failed"))
	report(t, s, statusDoc("web", "sn"))
	if err := s.AddResults(ctx(t), []api.JobResult{
		{ID: done.ID, Message: "ok"}, {ID: failed.ID, Errcode: 1, Message: "no"},
		{ID: "unknown-job", Message: "?"},
	}, ""); err != nil {
		t.Fatal(err)
	}
	clk.Advance(80 * day)
	recent := addJob(t, s, installReq("web", "Recent"))
	report(t, s, statusDoc("web", "sn"))
	if err := s.AddResults(ctx(t), []api.JobResult{{ID: recent.ID, Message: "ok"}}, ""); err != nil {
		t.Fatal(err)
	}
	clk.Advance(11 * day) // the first results are 91 days old, recent's 11

	p := prune(t, s, Retention{Jobs: 90 * day, Batch: 1})
	if p.Jobs != 2 || p.Results != 3 {
		t.Fatalf("pruned %+v, want 2 jobs and 3 results (one for an unknown job)", p)
	}
	for _, c := range []struct {
		job  api.JobInfo
		want string
	}{{queued, api.JobQueued}, {delivered, api.JobDelivered}, {recent, api.JobSucceeded}} {
		if got, err := s.Job(ctx(t), c.job.ID); err != nil {
			t.Errorf("job %s pruned: %v", c.job.Name, err)
		} else if got.State != c.want {
			t.Errorf("job %s is %s, want %s", c.job.Name, got.State, c.want)
		}
	}
	for _, j := range []api.JobInfo{done, failed} {
		if _, err := s.Job(ctx(t), j.ID); err == nil {
			t.Errorf("finished job %s kept after 91 days", j.Name)
		}
	}
	if n := count(t, s, "results"); n != 1 {
		t.Fatalf("%d results left, want recent's only", n)
	}
	// The open ones are still delivered until their result arrives.
	if jobs := report(t, s, statusDoc("web", "sn")); len(jobs) != 1 || jobs[0].ID != delivered.ID {
		t.Fatalf("jobs delivered to web after pruning: %+v", jobs)
	}
	if jobs := report(t, s, statusDoc("idle", "sn-idle")); len(jobs) != 1 || jobs[0].ID != queued.ID {
		t.Fatalf("jobs delivered to idle after pruning: %+v", jobs)
	}
}

// RunRetention prunes at once (a server restarted after a long outage
// does not wait an interval) and returns when its context ends.
func TestRunRetentionPrunesUntilCancelled(t *testing.T) {
	s, clk := openStore(t)
	register(t, s, "web", "sn")
	pushEvents(t, s, "sn", "old", 3)
	clk.Advance(2 * day)
	c, cancel := context.WithCancel(ctx(t))
	done := make(chan struct{})
	go func() { defer close(done); s.RunRetention(c, Retention{Events: day}, time.Hour) }()
	waitFor(t, "old events pruned", func() bool { return count(t, s, "events") == 0 })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * scale()):
		t.Fatal("RunRetention did not return after cancel")
	}
}
