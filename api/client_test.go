package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const goodAck = `{"errcode":0}`

func TestFailoverOrder(t *testing.T) {
	hits := &hitLog{}
	dead := deadAddr(t)
	broken := answerServer(t, "500", hits, http.StatusInternalServerError, "boom")
	good := answerServer(t, "good", hits, http.StatusOK, goodAck)
	late := answerServer(t, "late", hits, http.StatusOK, goodAck)

	c := NewClient([]string{dead, broken.URL, good.URL, late.URL}, ClientOptions{Logger: quietLog(), Timeout: 5 * time.Second})
	for round := range 2 {
		if err := c.SendEvents(context.Background(), []Event{{Agent: "a", Type: "exited"}}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	// Each round starts again from the first server: a failing server is
	// skipped for the rest of its round only.
	want := []string{"500 " + PathEvents, "good " + PathEvents, "500 " + PathEvents, "good " + PathEvents}
	if got := hits.get(); !slices.Equal(got, want) {
		t.Fatalf("servers asked %q, want %q (the dead one refuses connections; the last one never needed)", got, want)
	}
}

func TestRoundErrorNamesEveryServer(t *testing.T) {
	dead := deadAddr(t)
	broken := answerServer(t, "500", nil, http.StatusInternalServerError, "database down")
	c := NewClient([]string{dead, broken.URL}, ClientOptions{Logger: quietLog()})
	err := c.SendResults(context.Background(), []JobResult{{ID: "j1"}})
	if err == nil {
		t.Fatal("no error with every server failing")
	}
	for _, w := range []string{dead, broken.URL + PathJobResult, "HTTP 500", "database down"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 500 {
		t.Errorf("errors.As StatusError: %v", se)
	}
}

func TestNoServers(t *testing.T) {
	c := NewClient(nil, ClientOptions{Logger: quietLog()})
	if err := c.SendEvents(context.Background(), nil); !errors.Is(err, ErrNoServers) {
		t.Fatalf("err = %v, want ErrNoServers", err)
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{name: "accepts and never answers", addr: silentAddr},
		{name: "headers then a body that never ends", addr: func(t *testing.T) string {
			release := make(chan struct{})
			srv := handlerServer(t, "stall", nil, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, `{"errcode":`)
				w.(http.Flusher).Flush()
				<-release
			})
			t.Cleanup(func() { close(release) }) // runs before srv.Close, which waits for the handler
			return srv.URL
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := &hitLog{}
			good := answerServer(t, "good", hits, http.StatusOK, goodAck)
			const timeout = 200 * time.Millisecond
			c := NewClient([]string{tt.addr(t), good.URL}, ClientOptions{Logger: quietLog(), Timeout: timeout})
			start := time.Now()
			if err := c.SendEvents(context.Background(), nil); err != nil {
				t.Fatalf("the next server answered, yet: %v", err)
			}
			if d := time.Since(start); d > 20*timeout {
				t.Errorf("took %s with a %s timeout", d, timeout)
			}

			c = NewClient([]string{tt.addr(t)}, ClientOptions{Logger: quietLog(), Timeout: timeout})
			err := c.SendEvents(context.Background(), nil)
			if err == nil || !strings.Contains(err.Error(), "timeout 200ms") {
				t.Fatalf("err = %v, want a timeout", err)
			}
		})
	}
}

func TestCancelledContextEndsTheRound(t *testing.T) {
	hits := &hitLog{}
	good := answerServer(t, "good", hits, http.StatusOK, goodAck)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := NewClient([]string{silentAddr(t), good.URL}, ClientOptions{Logger: quietLog()})
	if err := c.SendEvents(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := hits.get(); len(got) != 0 {
		t.Fatalf("servers asked after the caller gave up: %q", got)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		header func() string
		min    time.Duration
		max    time.Duration
	}{
		{name: "seconds on 503", code: 503, header: func() string { return "7" }, min: 7 * time.Second, max: 7 * time.Second},
		{name: "seconds on 429", code: 429, header: func() string { return "30" }, min: 30 * time.Second, max: 30 * time.Second},
		{name: "http date", code: 503, header: func() string { return time.Now().Add(2 * time.Minute).UTC().Format(http.TimeFormat) }, min: 118 * time.Second, max: 2 * time.Minute},
		{name: "date in the past means now", code: 429, header: func() string { return "Mon, 02 Jan 2006 15:04:05 GMT" }, min: 0, max: 0},
		{name: "capped", code: 503, header: func() string { return "99999999" }, min: MaxRetryAfter, max: MaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := handlerServer(t, "busy", nil, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", tt.header())
				w.WriteHeader(tt.code)
			})
			c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
			_, _, err := c.Status(context.Background(), StatusDoc{})
			var ra *RetryAfterError
			if !errors.As(err, &ra) {
				t.Fatalf("err = %v, want a RetryAfterError", err)
			}
			if ra.Server != srv.URL || ra.Code != tt.code || ra.After < tt.min || ra.After > tt.max {
				t.Fatalf("got %+v, want server %s, code %d, after in [%s, %s]", ra, srv.URL, tt.code, tt.min, tt.max)
			}
			if d, ok := RetryAfter(err); !ok || d != ra.After {
				t.Fatalf("RetryAfter(err) = %s, %v", d, ok)
			}
		})
	}
}

func TestRetryAfterLongestOfTheRound(t *testing.T) {
	busy := func(after string) string {
		return handlerServer(t, "busy", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", after)
			w.WriteHeader(503)
		}).URL
	}
	c := NewClient([]string{busy("5"), busy("60"), busy("10")}, ClientOptions{Logger: quietLog()})
	err := c.SendEvents(context.Background(), nil)
	if d, ok := RetryAfter(err); !ok || d != time.Minute {
		t.Fatalf("RetryAfter = %s, %v, want the longest: 1m0s", d, ok)
	}
	if _, ok := RetryAfter(errors.New("other")); ok {
		t.Fatal("RetryAfter found a delay in an unrelated error")
	}
}

func TestBadAnswersFailOver(t *testing.T) {
	tests := []struct {
		name    string
		code    int
		body    string
		wantErr string
	}{
		{name: "not JSON", code: 200, body: "<html>hello</html>", wantErr: "not a JSON object"},
		{name: "truncated JSON", code: 200, body: `{"errcode":`, wantErr: "unexpected end"},
		{name: "JSON null", code: 200, body: "null", wantErr: "not a JSON object"},
		{name: "array", code: 200, body: "[]", wantErr: "not a JSON object"},
		{name: "errcode a string", code: 200, body: `{"errcode":"0"}`, wantErr: "cannot unmarshal string"},
		{name: "no errcode", code: 200, body: `{}`, wantErr: "no errcode"},
		{name: "errcode 1", code: 200, body: `{"errcode":1}`, wantErr: "errcode 1"},
		{name: "trailing garbage", code: 200, body: `{"errcode":0} x`, wantErr: "invalid character"},
		{name: "over 1 MiB", code: 200, body: `{"errcode":0,"pad":"` + strings.Repeat("x", MaxBody) + `"}`, wantErr: "answer over 1048576 bytes"},
		{name: "404", code: 404, body: "no such path", wantErr: "HTTP 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := &hitLog{}
			bad := answerServer(t, "bad", hits, tt.code, tt.body)
			good := answerServer(t, "good", hits, 200, goodAck)

			c := NewClient([]string{bad.URL}, ClientOptions{Logger: quietLog()})
			err := c.SendResults(context.Background(), []JobResult{{ID: "j"}})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), bad.URL+PathJobResult) {
				t.Fatalf("err = %v, want %q naming %s", err, tt.wantErr, bad.URL+PathJobResult)
			}

			c = NewClient([]string{bad.URL, good.URL}, ClientOptions{Logger: quietLog()})
			if err := c.SendResults(context.Background(), []JobResult{{ID: "j"}}); err != nil {
				t.Fatalf("with a good second server: %v", err)
			}
			if got := hits.get(); !slices.Equal(got, []string{"bad " + PathJobResult, "bad " + PathJobResult, "good " + PathJobResult}) {
				t.Fatalf("asked %q", got)
			}
		})
	}
}

func TestExactlyMaxBodyIsAccepted(t *testing.T) {
	pad := MaxBody - len(`{"errcode":0,"p":""}`)
	srv := answerServer(t, "big", nil, 200, `{"errcode":0,"p":"`+strings.Repeat("x", pad)+`"}`)
	c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
	if err := c.SendEvents(context.Background(), nil); err != nil {
		t.Fatalf("a 1 MiB answer: %v", err)
	}
}

func TestRequestsAreShortConnections(t *testing.T) {
	seen := &hitLog{}
	srv := handlerServer(t, "s", nil, func(w http.ResponseWriter, r *http.Request) {
		seen.add(fmt.Sprintf("close=%v %s %s", r.Close, r.Header.Get("Content-Type"), r.Method))
		io.WriteString(w, goodAck)
	})
	for _, hc := range []*http.Client{nil, {}} {
		c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog(), HTTPClient: hc})
		if err := c.SendEvents(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	want := "close=true application/json POST"
	if got := seen.get(); !slices.Equal(got, []string{want, want}) {
		t.Fatalf("requests %q: want %q with our client and a caller's", got, want)
	}
}

func TestRequestTooLarge(t *testing.T) {
	hits := &hitLog{}
	srv := answerServer(t, "s", hits, 200, goodAck)
	c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog()})
	err := c.SendEvents(context.Background(), []Event{{Message: strings.Repeat("x", MaxBody)}})
	if !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("err = %v, want ErrRequestTooLarge", err)
	}
	if len(hits.get()) != 0 {
		t.Fatal("an oversized request was sent")
	}
}
