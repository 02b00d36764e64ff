package server

import (
	"context"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// /metrics counts the rollouts of the store by state (SPEC §14), every
// state named: one running rollout, then paused.
func TestMetricsCountStoredRollouts(t *testing.T) {
	s, clk := openStore(t)
	newFleet(t, s, clk, 2)
	r := createRollout(t, s, upgradeTo2(api.RolloutRequest{All: true}))
	srv := New(s, testLogger(t))
	srv.SetRolloutCounter(s.RolloutsByState)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ts := &testServer{Store: s, url: hs.URL}
	tok := adminToken(t, s, api.RoleRead).Token
	want := func(lines ...string) {
		t.Helper()
		_, body := ts.scrape(t, tok)
		for _, line := range lines {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).MatchString(body) {
				t.Errorf("no line %s in:\n%s", line, body)
			}
		}
	}
	want(`bootserver_rollouts{state="running"} 1`, `bootserver_rollouts{state="paused"} 0`, `bootserver_rollouts{state="rolled_back"} 0`)
	if _, err := s.RolloutAction(context.Background(), r.ID, "pause", "tok"); err != nil {
		t.Fatal(err)
	}
	want(`bootserver_rollouts{state="running"} 0`, `bootserver_rollouts{state="paused"} 1`)
}
