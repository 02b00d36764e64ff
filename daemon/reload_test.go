package daemon

import (
	"slices"
	"testing"
	"time"

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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := cur
			tc.change(&next)
			got := restartOnly(cur, &next)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("restartOnly = %v, want %v", got, tc.want)
			}
			if next.StateDir != cur.StateDir || next.CgroupParent != cur.CgroupParent || !slices.Equal(next.Servers, cur.Servers) {
				t.Fatalf("a restart-only setting was not kept: %+v", next)
			}
		})
	}
}
