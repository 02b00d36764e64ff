package daemon

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bootagent/bootagent/desired"
	"github.com/bootagent/bootagent/internal/testdeadline"
)

// newTestDaemon makes a real daemon (state under a temp dir) from the
// configuration text conf, in which $DIR is that temp dir.
func newTestDaemon(t *testing.T, conf string) *Daemon {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "bootagent.yaml")
	conf = strings.ReplaceAll(conf, "$DIR", dir)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return newTestDaemonAt(t, path)
}

// newTestDaemonAt makes a real daemon from the configuration file at path.
func newTestDaemonAt(t *testing.T, path string) *Daemon {
	t.Helper()
	cfg, err := desired.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.ctl.Close(); d.lock.Close() })
	return d
}

// runTestDaemon runs d until the test ends.
func runTestDaemon(t *testing.T, d *Daemon) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// request is one request a testServer received.
type request struct {
	at   time.Time
	path string
	body string
	auth string // Authorization header
}

// testServer is a control server on 127.0.0.1 that records every request
// and answers with answer(path, body) (status code, body, headers).
type testServer struct {
	URL string
	mu  sync.Mutex
	got []request
}

func newTestServer(t *testing.T, answer func(path, body string) (int, string, http.Header)) *testServer {
	s := &testServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, request{time.Now(), r.URL.Path, string(b), r.Header.Get("Authorization")})
		s.mu.Unlock()
		code, body, h := answer(r.URL.Path, string(b))
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *testServer) requests(path string) []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []request
	for _, r := range s.got {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls cond until it holds or the (scaled) deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testdeadline.Scale(15 * time.Second))
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
