package daemon

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/desired"
)

func TestRestartOnlySettingsAreNamedAndKept(t *testing.T) {
	cur := desired.DefaultConfig()
	tests := []struct {
		name   string
		change func(*desired.Config)
		want   []string
	}{
		{"live settings only", func(c *desired.Config) {
			c.DesiredDir, c.Step, c.StopGrace = "/other", desired.Duration(time.Minute), desired.Duration(time.Second)
		}, nil},
		{"servers", func(c *desired.Config) { c.Servers = []string{"http://10.0.0.5:8600"} }, []string{"servers"}},
		{"state dir and cgroups", func(c *desired.Config) { c.StateDir, c.CgroupParent = "/x", "y" }, []string{"state_dir", "cgroup_parent"}},
		{"trusted keys", func(c *desired.Config) { c.TrustedKeys, c.RequireSignature = []string{"RWQx"}, true }, []string{"trusted_keys", "require_signature"}},
		{"server job policy is live", func(c *desired.Config) { c.AllowLocalPackages, c.ServerJobUser = true, "nobody" }, nil},
		{"metrics listener", func(c *desired.Config) { c.MetricsListen = "127.0.0.1:9610" }, []string{"metrics_listen"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := cur
			tc.change(&next)
			got := restartOnly(cur, &next)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("restartOnly = %v, want %v", got, tc.want)
			}
			if next.StateDir != cur.StateDir || next.CgroupParent != cur.CgroupParent || !slices.Equal(next.Servers, cur.Servers) ||
				!slices.Equal(next.TrustedKeys, cur.TrustedKeys) || next.RequireSignature != cur.RequireSignature {
				t.Fatalf("a restart-only setting was not kept: %+v", next)
			}
		})
	}
}

func TestStepInForce(t *testing.T) {
	tests := []struct {
		name       string
		serverStep int64
		configStep time.Duration
		want       time.Duration
	}{
		{name: "the configuration's", configStep: time.Minute, want: time.Minute},
		{name: "a config job's outranks it", serverStep: 5, configStep: time.Minute, want: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stepInForce(tt.serverStep, tt.configStep); got != tt.want {
				t.Fatalf("stepInForce = %s, want %s", got, tt.want)
			}
		})
	}
}

// A SIGHUP wakes the report loop only when the step in force changed.
func TestReloadWakesReportLoopOnlyWhenStepChanges(t *testing.T) {
	tests := []struct {
		name       string
		serverStep int64
		newStep    string
		wake       bool
	}{
		{name: "step changed", newStep: "5s", wake: true},
		{name: "step unchanged", newStep: "1h"},
		{name: "a config job's step holds", serverStep: 30, newStep: "5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDaemon(t, "state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\nstep: 1h\n")
			d.serverCfg.Step = tt.serverStep
			conf := strings.Replace(readFile(t, d.cfg.Path), "step: 1h", "step: "+tt.newStep, 1)
			if err := os.WriteFile(d.cfg.Path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			d.Reload()
			woke := false
			select {
			case <-d.stepChanged:
				woke = true
			default:
			}
			if woke != tt.wake {
				t.Fatalf("report loop woken: %v, want %v", woke, tt.wake)
			}
		})
	}
}

// The report after a SIGHUP that shortens step comes on the new schedule,
// not an hour later.
func TestReloadStepReschedulesNextReport(t *testing.T) {
	srv := newTestServer(t, func(path, body string) (int, string, http.Header) {
		if path == api.PathRegister {
			return 200, `{"status":0}`, nil
		}
		return 200, `{"errcode":0}`, nil
	})
	d := newTestDaemon(t, fmt.Sprintf("state_dir: $DIR/state\ndesired_dir: $DIR/agents.d\nservers: [%q]\nstep: 1h\n", srv.URL))
	runTestDaemon(t, d)
	waitFor(t, "the first report", func() bool { return len(srv.requests(api.PathStatus)) == 1 })
	conf := strings.Replace(readFile(t, d.cfg.Path), "step: 1h", "step: 1s", 1)
	if err := os.WriteFile(d.cfg.Path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Reload()
	waitFor(t, "a report on the new step", func() bool { return len(srv.requests(api.PathStatus)) >= 2 })
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
