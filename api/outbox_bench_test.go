package api

// Outbox flush benchmark (`make bench`): 10,000 queued job results drained
// by Client.Drain to a loopback server that answers errcode 0, as after a
// long outage. Printed as results/s, with the target-free context the issue
// asks for; nothing here fails on a figure, only on a wrong result.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

const benchQueued = 10000

// BenchmarkOutboxDrain10k fills a fresh result outbox with benchQueued
// results (untimed: every Add fsyncs) and times one Drain of it. ns/op is
// one whole drain.
func BenchmarkOutboxDrain10k(b *testing.B) {
	var received, posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		body, err := io.ReadAll(r.Body)
		var items []JobResult
		if err == nil {
			err = json.Unmarshal(body, &items)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		received.Add(int64(len(items)))
		io.WriteString(w, `{"errcode":0}`)
	}))
	defer srv.Close()
	client := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
	root := b.TempDir()

	var drainTime, fillTime time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		// A fresh state dir each time, opened the way the daemon opens it.
		results, err := OpenResultOutbox(fmt.Sprintf("%s/state-%d", root, i), quietLog())
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for n := range benchQueued {
			if err := results.Add(JobResult{ID: fmt.Sprintf("job-%06d", n), Errcode: 0, Message: "installed BasicAgent 1.5.6"}); err != nil {
				b.Fatal(err)
			}
		}
		fillTime += time.Since(t0)
		received.Store(0)
		posts.Store(0)

		b.StartTimer()
		t0 = time.Now()
		err = client.Drain(context.Background(), results, nil)
		drainTime += time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if got := received.Load(); got != benchQueued || results.Len() != 0 {
			b.Fatalf("server received %d results, %d left queued; want %d and 0", got, results.Len(), benchQueued)
		}
		if err := results.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer() // b.Loop must be called with the timer running
	}

	total := float64(b.N * benchQueued)
	rate := total / drainTime.Seconds()
	b.ReportMetric(rate, "results/s")
	b.ReportMetric(float64(drainTime.Milliseconds())/float64(b.N), "drain_ms")
	b.Logf("outbox_flush_10000_results_per_s: %.0f results/s   (drain of %d queued results in %.0f ms, %d POSTs of <= %d, loopback server; filling them took %.1f s, %.0f Adds/s)",
		rate, benchQueued, float64(drainTime.Milliseconds())/float64(b.N), posts.Load(), DrainBatch, fillTime.Seconds()/float64(b.N), total/fillTime.Seconds())
}
