package api

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// hitLog records which test servers were asked, in order, across servers.
type hitLog struct {
	mu   sync.Mutex
	hits []string
}

func (h *hitLog) add(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hits = append(h.hits, s)
}

func (h *hitLog) get() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.hits...)
}

// answerServer is a real server on 127.0.0.1 that records the request
// under label and answers code with body.
func answerServer(t *testing.T, label string, hits *hitLog, code int, body string) *httptest.Server {
	t.Helper()
	return handlerServer(t, label, hits, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	})
}

func handlerServer(t *testing.T, label string, hits *hitLog, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits != nil {
			hits.add(label + " " + r.URL.Path)
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// deadAddr is a 127.0.0.1 port nothing listens on: connections are refused.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentAddr accepts connections and never answers (nor reads): the server
// that hangs.
func silentAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
