package daemon

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

func TestDrainWait(t *testing.T) {
	now := time.Unix(1764170000, 0)
	tests := []struct {
		name    string
		retryAt time.Time
		want    time.Duration
	}{
		{name: "not backing off: send at once", want: 0},
		{name: "backing off: wait for the retry time", retryAt: now.Add(3 * time.Second), want: 3 * time.Second},
		{name: "retry time reached", retryAt: now, want: 0},
		{name: "retry time passed", retryAt: now.Add(-time.Second), want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := drainWait(now, tt.retryAt); got != tt.want {
				t.Fatalf("drainWait = %s, want %s", got, tt.want)
			}
		})
	}
}

// After a server's Retry-After, an event queued in the meantime waits for
// the retry time instead of being sent at once.
func TestDrainLoopHonoursRetryAfterWhenNewItemsArrive(t *testing.T) {
	srv := newTestServer(t, func(path, body string) (int, string, http.Header) {
		return 503, "busy", http.Header{"Retry-After": {"1"}}
	})
	dir := t.TempDir()
	results, err := api.OpenResultOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	events, err := api.OpenEventOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	d := &Daemon{log: log, results: results, eventsOut: events,
		client: api.NewClient([]string{srv.URL}, api.ClientOptions{Logger: log})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.drainLoop(ctx) }()
	defer func() { cancel(); <-done }()

	if err := events.Add(api.Event{Type: "exited", Message: "first"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first push", func() bool { return len(srv.requests(api.PathEvents)) == 1 })
	for i := range 5 { // each Add wakes the sender
		if err := events.Add(api.Event{Type: "exited", Message: "more", Time: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the retry", func() bool { return len(srv.requests(api.PathEvents)) >= 2 })
	got := srv.requests(api.PathEvents)
	if gap := got[1].at.Sub(got[0].at); gap < 900*time.Millisecond {
		t.Fatalf("retried %s after a Retry-After of 1s", gap)
	}
}
