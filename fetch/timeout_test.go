package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFetchTimesOutOnSilentServers(t *testing.T) {
	const sum = "SHA256:4a34b8d7e2c1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5"
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers nothing until the client hangs up
	}))
	t.Cleanup(hanging.Close)
	stalling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte(strings.Repeat("x", 10))) // then nothing
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stalling.Close)

	tests := []struct {
		name string
		url  string
	}{
		{name: "http server that never answers", url: hanging.URL + "/a.tar.gz"},
		{name: "http server that stalls mid-body", url: stalling.URL + "/a.tar.gz"},
		{name: "ftp server that never greets", url: "ftp://" + silentListener(t) + "/a.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, func(o *Options) { o.Timeout = 100 * time.Millisecond })
			_, err := s.Fetch(context.Background(), Request{Name: "A", URL: tt.url, Checksum: sum})
			if !errors.Is(err, ErrTimeout) || IsTerminal(err) {
				t.Fatalf("err = %v, want a non-terminal ErrTimeout", err)
			}
			t.Log(err)
			assertNothingInstalled(t, state, "A")
		})
	}
}
