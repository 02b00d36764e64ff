package server

import (
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
