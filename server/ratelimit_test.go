package server

import (
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

func TestEnrollBlocked(t *testing.T) {
	tests := []struct {
		name      string
		w         failWindow
		now       int64
		want      bool
		wantAfter int64
	}{
		{name: "no failures", w: failWindow{}, now: 100, want: false},
		{name: "under the limit", w: failWindow{start: 100, n: 2}, now: 110, want: false},
		{name: "at the limit", w: failWindow{start: 100, n: 3}, now: 110, want: true, wantAfter: 50},
		{name: "window over", w: failWindow{start: 100, n: 9}, now: 160, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, after := enrollBlocked(tt.w, tt.now, 3, time.Minute)
			if got != tt.want || after != tt.wantAfter {
				t.Fatalf("enrollBlocked = %v, %d; want %v, %d", got, after, tt.want, tt.wantAfter)
			}
		})
	}
}

// TestRepeatedBadEnrollmentsRateLimited: after enrollFailLimit refused
// registers from one address even a good token waits (429, Retry-After)
// until the window ends, and is then taken.
func TestRepeatedBadEnrollmentsRateLimited(t *testing.T) {
	ts := closedServer(t)
	var created api.EnrollTokenCreated
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{}, 201, &created)
	bad := api.RegisterRequest{Hostname: "web", AgentSN: "sn-web", EnrollToken: "bse_000000000000_guess"}
	for i := range enrollFailLimit {
		if code, b := agentPost(t, ts, api.PathRegister, "", bad); code != 403 {
			t.Fatalf("bad attempt %d: %d %s, want 403", i, code, b)
		}
	}
	good := api.RegisterRequest{Hostname: "web", AgentSN: "sn-web", EnrollToken: created.Token}
	if code, b := agentPost(t, ts, api.PathRegister, "", good); code != 429 {
		t.Fatalf("after %d refusals: %d %s, want 429", enrollFailLimit, code, b)
	}
	ts.clk.Advance(enrollFailWindow)
	enrollOver(t, ts, "web", "sn-web", created.Token)
}

// Guessing admin tokens is slowed down the same way (SPEC §10): after
// enrollFailLimit requests refused for their token, an address gets 429
// with Retry-After, even with the right token, until the window ends; a
// read token refused a change (403) is not a guess and does not count.
// Agents registering from that address are not locked out.
func TestRepeatedBadAdminTokensRateLimited(t *testing.T) {
	ts := closedServer(t)
	var created api.EnrollTokenCreated
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{}, 201, &created)
	read := adminToken(t, ts.Store, api.RoleRead)
	for i := range enrollFailLimit + 5 {
		if code, b := ts.doAs(t, read.Token, "POST", api.PathAdminJobs, mustJSON(t, installReq("web-17", "A"))); code != 403 {
			t.Fatalf("read token on a change, attempt %d: %d %s, want 403", i, code, b)
		}
	}
	for i := range enrollFailLimit {
		if code, b := ts.doAs(t, "bsa_0123456789ab_c2VjcmV0c2VjcmV0", "GET", api.PathAdminHosts, nil); code != 401 {
			t.Fatalf("bad token %d: %d %s, want 401", i, code, b)
		}
	}
	code, b := ts.doAs(t, ts.token, "GET", api.PathAdminHosts, nil)
	if code != 429 || !strings.Contains(string(b), "too many requests with a bad admin token") {
		t.Fatalf("after %d bad tokens, the good one: %d %s, want 429", enrollFailLimit, code, b)
	}
	enrollOver(t, ts, "web", "sn-web", created.Token)
	ts.clk.Advance(enrollFailWindow)
	if code, b := ts.doAs(t, ts.token, "GET", api.PathAdminHosts, nil); code != 200 {
		t.Fatalf("after the window: %d %s, want 200", code, b)
	}
}
