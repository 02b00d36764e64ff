package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/server"
)

func TestRetentionFlags(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		want      server.Retention
		wantEvery time.Duration
		wantErr   string
	}{
		{name: "defaults", want: server.Retention{Events: 30 * 24 * time.Hour, Jobs: 90 * 24 * time.Hour,
			EventsPerHost: 10000}, wantEvery: 10 * time.Minute},
		{name: "days and hours", args: []string{"--retain-events", "7d", "--retain-jobs", "36h", "--max-events-per-host", "50",
			"--prune-every", "1m"}, want: server.Retention{Events: 7 * 24 * time.Hour, Jobs: 36 * time.Hour, EventsPerHost: 50},
			wantEvery: time.Minute},
		{name: "zero keeps forever", args: []string{"--retain-events", "0", "--retain-jobs", "0d", "--max-events-per-host", "0"},
			want: server.Retention{}, wantEvery: 10 * time.Minute},
		{name: "bad days", args: []string{"--retain-events", "xd"}, wantErr: `"xd" is not a number of days`},
		{name: "negative", args: []string{"--retain-jobs", "-1h"}, wantErr: `"-1h" is not a duration`},
		{name: "no unit", args: []string{"--retain-jobs", "30"}, wantErr: `"30" is not a duration`},
		{name: "negative cap", args: []string{"--max-events-per-host", "-1"}, wantErr: "--max-events-per-host -1 is negative"},
		{name: "zero interval", args: []string{"--prune-every", "0"}, wantErr: "--prune-every must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFlags("serve")
			r := addRetentionFlags(fs)
			err := fs.Parse(tc.args)
			var got server.Retention
			var every time.Duration
			if err == nil {
				got, every, err = r.retention()
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want || every != tc.wantEvery {
				t.Fatalf("= %+v every %v, %v; want %+v every %v", got, every, err, tc.want, tc.wantEvery)
			}
		})
	}
}

// A bad retention flag is a usage error (exit 2) naming the flag, before
// anything is opened.
func TestServeRefusesBadRetention(t *testing.T) {
	code, _, errs := run(t, nil, "serve", "--db", t.TempDir()+"/db", "--listen", "127.0.0.1:0", "--retain-events", "1month")
	if code != 2 || !strings.Contains(errs, "retain-events") {
		t.Fatalf("serve --retain-events 1month: %d %s", code, errs)
	}
}
