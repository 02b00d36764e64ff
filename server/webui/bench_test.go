package webui

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// BenchmarkPages answers every page over HTTP with 10,000 hosts in the
// store (5 agents each, 1% with a fatal agent), 20,000 events and 10,000
// jobs: the issue asks each to take at most 200 ms. `make bench` prints
// the figures (ms/page).
func BenchmarkPages(b *testing.B) {
	const hosts = 10_000
	f := newFixture(b, fixtureOpts{})
	seedFleet(b, f, hosts)
	br := f.signedIn(b, f.read.Token)
	events, err := f.store.EventsPage(b.Context(), eventPageAll())
	if err != nil || len(events) == 0 {
		b.Fatal(err)
	}
	pages := []struct{ name, path string }{
		{"overview", "/"},
		{"hosts", "/hosts"},
		{"hosts-last-page", fmt.Sprintf("/hosts?offset=%d", hosts-50)},
		{"hosts-search", "/hosts?q=h-09"},
		{"hosts-tag", "/hosts?tag=role%3Dweb"},
		{"host", "/hosts/" + sn(4242)},
		{"jobs", "/jobs"},
		{"jobs-deep", "/jobs?offset=5000"},
		{"jobs-failed", "/jobs?state=failed"},
		{"events", "/events"},
		{"events-older", fmt.Sprintf("/events?before=%d", events[0].ID/2)},
		{"events-host", "/events?host=h-04242"},
		{"rollouts", "/rollouts"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				resp, _ := br.get(p.path)
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", p.path, resp.StatusCode)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}

// seedFleet reports n hosts with 2 events each and queues a job for each,
// from 16 goroutines so the store's group commit batches them.
func seedFleet(b *testing.B, f *fixture, n int) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				agents := make([]api.AgentStatus, 5)
				for k := range agents {
					agents[k] = api.AgentStatus{Name: fmt.Sprintf("Agent%d", k), Version: "1.0", Status: "running", Uptime: 100}
				}
				if i%100 == 0 {
					agents[2].Status, agents[2].Message = "fatal", "exited 1 five times"
				}
				d := doc(fmt.Sprintf("h-%05d", i), sn(i), agents...)
				d.Events = []api.Event{
					{Time: int64(1000 + i), Agent: "Agent1", Type: "exited", Message: "exit 1", LogTail: strings.Repeat("log line\n", 20)},
					{Time: int64(2000 + i), Agent: "Agent2", Type: "fatal", Message: "gave up"},
				}
				f.report(b, d)
				if i%2 == 0 {
					if _, err := f.store.SetTags(b.Context(), sn(i), "role=web,dc=par"); err != nil {
						b.Error(err)
					}
				}
				if _, err := f.store.AddJobAs(b.Context(), api.JobRequest{Host: sn(i), Action: "restart", Name: "Agent1"}, f.admin.ID); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func eventPageAll() server.EventPage { return server.EventPage{Limit: 1} }
