package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// scrape GETs /metrics with token ("": none) and returns code and body.
func (ts *testServer) scrape(t *testing.T, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), "GET", ts.url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t)
	ts.call(t, "POST", api.PathRegister, api.RegisterRequest{Hostname: "web-17", AgentSN: "sn-17"}, 200, nil)
	ts.call(t, "POST", api.PathRegister, api.RegisterRequest{Hostname: "web-18", AgentSN: "sn-18"}, 200, nil)
	addJob(t, ts.Store, installReq("web-17", "BasicAgent"))
	addJob(t, ts.Store, installReq("web-18", "BasicAgent"))
	for range 3 {
		ts.call(t, "POST", api.PathStatus, statusDoc("web-17", "sn-17", "BasicAgent"), 200, nil)
	}
	// web-18 was last seen 10 steps ago: not live
	ts.clk.Advance(1200 * time.Second)
	ts.call(t, "POST", api.PathStatus, statusDoc("web-17", "sn-17", "BasicAgent"), 200, nil)
	ts.clk.Advance(1200 * time.Second)
	ts.call(t, "POST", api.PathStatus, statusDoc("web-17", "sn-17", "BasicAgent"), 200, nil)

	if code, _ := ts.scrape(t, ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}
	read := adminToken(t, ts.Store, api.RoleRead).Token
	code, body := ts.scrape(t, read)
	if code != http.StatusOK {
		t.Fatalf("/metrics with a read token: %d %s", code, body)
	}
	tests := []struct{ name, line string }{
		{"reports accepted", `bootserver_reports_total 5`},
		{"registrations", `bootserver_registrations_total 2`},
		{"jobs delivered to web-17", `bootserver_jobs\{state="delivered"\} 1`},
		{"jobs queued for the silent web-18", `bootserver_jobs\{state="queued"\} 1`},
		{"states with none are 0, not absent", `bootserver_jobs\{state="failed"\} 0`},
		{"hosts", `bootserver_hosts 2`},
		{"hosts live", `bootserver_hosts_live 1`},
		{"latency by route pattern", `bootserver_http_request_duration_seconds_count\{route="POST /agent/status"\} 5`},
		{"requests by route and code", `bootserver_http_requests_total\{code="401",route="GET /metrics"\} 1`},
		{"the store was read", `bootserver_metrics_store_errors 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !regexp.MustCompile(`(?m)^` + tt.line + `$`).MatchString(body) {
				t.Errorf("no line %s in:\n%s", tt.line, body)
			}
		})
	}
}

// The rollouts hook (SPEC §11's rollouts set it) adds rollouts by state.
func TestMetricsRollouts(t *testing.T) {
	s, _ := openStore(t)
	srv := New(s, testLogger(t))
	srv.SetRolloutCounter(func(context.Context) (map[string]int, error) {
		return map[string]int{"running": 2, "paused": 0}, nil
	})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ts := &testServer{Store: s, url: hs.URL}
	_, body := ts.scrape(t, adminToken(t, s, api.RoleRead).Token)
	for _, line := range []string{`bootserver_rollouts{state="running"} 2`, `bootserver_rollouts{state="paused"} 0`} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).MatchString(body) {
			t.Errorf("no line %s in:\n%s", line, body)
		}
	}
}
