package server

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// BenchmarkRolloutCreate10k measures rollout create over a 10,000-host
// store (5 agents each, one earlier install of the rollout's agent per
// host in the job history): ns/op is the create; writer-ms/op how long it
// held the writer; report-max-ms the worst status report latency of a
// host reporting while it runs (what a create costs the fleet). Before
// the reads moved to the read pool (2 shared cores, load 4-7): writer
// 858 ms/create, report max 746 ms; after: 363-584 ms and 256-631 ms.
func BenchmarkRolloutCreate10k(b *testing.B) {
	s := benchStore(b)
	docs, raws := benchFleet(b, 10_000)
	for i, d := range docs {
		d.Agents[0].Name = "mon"
		if _, err := s.Report(b.Context(), d, raws[i], "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
		if _, err := s.AddJob(b.Context(), api.JobRequest{Host: d.AgentSN, Action: api.ActionInstall, Name: "mon",
			URL: "http://repo.example/mon-1.tgz", Checksum: sum64}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Report(b.Context(), d, raws[i], "127.0.0.1"); err != nil {
			b.Fatal(err)
		}
	}
	var worst []time.Duration
	var busy time.Duration
	n := 0
	create := func() {
		n++
		r, _, err := s.CreateRollout(b.Context(), api.RolloutRequest{Job: api.JobRequest{Action: api.ActionUpgrade, Name: "mon",
			URL: fmt.Sprintf("http://repo.example/mon-%d.tgz", n+1), Checksum: sum64}, All: true}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := s.RolloutAction(b.Context(), r.ID, "abort", "bench"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ResetTimer()
	for range b.N {
		// Alone: the writer's busy time is the create's.
		before := s.Stats().Busy
		create()
		busy += s.Stats().Busy - before
		// With a host reporting all along: its worst latency.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var lat time.Duration
		wg.Go(func() {
			d, raw := docs[len(docs)-1], raws[len(raws)-1]
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				if _, err := s.Report(b.Context(), d, raw, "127.0.0.1"); err != nil {
					b.Error(err)
					return
				}
				lat = max(lat, time.Since(t0))
			}
		})
		create()
		close(stop)
		wg.Wait()
		worst = append(worst, lat)
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op") // two creates per op: the figures below are per create
	b.ReportMetric(float64(busy.Microseconds())/1000/float64(b.N), "writer-ms/create")
	b.ReportMetric(float64(slices.Max(worst).Microseconds())/1000, "report-max-ms")
}
