package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestFetchRunsAtMostTwoDownloads(t *testing.T) {
	archive := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0"))
	var inFlight, maxInFlight atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		inFlight.Add(-1)
		http.ServeFile(w, r, archive)
	}))
	t.Cleanup(srv.Close)
	s, _ := newTestStore(t, nil)
	sum := checksumOf(t, archive)

	names := []string{"A", "B", "C", "D"} // different agents: only the slots limit them
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			_, errs[i] = s.Fetch(context.Background(), Request{Name: name, URL: srv.URL + "/a.tar.gz", Checksum: sum})
		})
	}
	// Two at the server and two waiting for a slot accounts for all four.
	waitFor(t, "2 downloads running and 2 waiting", func() bool {
		return inFlight.Load() == 2 && s.waiting.Load() == 2
	})

	// A caller that gives up while waiting for a slot gets its context's error.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.Fetch(ctx, Request{Name: "E", URL: srv.URL + "/a.tar.gz", Checksum: sum})
		done <- err
	}()
	waitFor(t, "a third caller waiting", func() bool { return s.waiting.Load() == 3 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || IsTerminal(err) {
		t.Errorf("cancelled wait: err = %v, want context.Canceled", err)
	}

	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("fetch %s: %v", names[i], err)
		}
	}
	if got := maxInFlight.Load(); got != 2 {
		t.Errorf("at most %d downloads ran at once, want 2", got)
	}
}

func TestFetchHonoursMaxConcurrent(t *testing.T) {
	archive := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0"))
	var inFlight atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.ServeFile(w, r, archive)
	}))
	t.Cleanup(srv.Close)
	s, state := newTestStore(t, func(o *Options) { o.MaxConcurrent = 1 })

	var wg sync.WaitGroup
	for _, name := range []string{"A", "B"} {
		wg.Go(func() {
			if _, err := s.Fetch(context.Background(), Request{Name: name, URL: srv.URL + "/a.tar.gz", Checksum: checksumOf(t, archive)}); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, "1 download running and 1 waiting", func() bool {
		return inFlight.Load() == 1 && s.waiting.Load() == 1
	})
	close(release)
	wg.Wait()
	for _, name := range []string{"A", "B"} {
		if _, err := os.Stat(filepath.Join(state, "packages", name, "1.0.0", "agent.yaml")); err != nil {
			t.Error(err)
		}
	}
}
