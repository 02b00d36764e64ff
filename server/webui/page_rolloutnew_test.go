package webui

import (
	"fmt"
	"testing"

	"github.com/bootagent/bootagent/api"
)

func TestViewPlan(t *testing.T) {
	hosts := func(n int, state string) []api.RolloutHost {
		hs := make([]api.RolloutHost, n)
		for i := range hs {
			hs[i] = api.RolloutHost{Hostname: fmt.Sprintf("h-%d", i), State: state}
		}
		return hs
	}
	type wave struct{ size, skipped, listed, more int }
	tests := []struct {
		name        string
		plan        api.RolloutPlan
		waves       []wave
		skipped     int // listed
		skippedMore int
	}{
		{name: "small waves listed whole",
			plan:  api.RolloutPlan{Waves: [][]api.RolloutHost{hosts(1, api.HostPending), append(hosts(2, api.HostPending), hosts(1, api.HostSkipped)...)}, Skipped: hosts(1, api.HostSkipped)},
			waves: []wave{{1, 0, 1, 0}, {3, 1, 3, 0}}, skipped: 1},
		{name: "a big wave is cut, its counts kept",
			plan:  api.RolloutPlan{Waves: [][]api.RolloutHost{append(hosts(previewHosts+7, api.HostPending), hosts(3, api.HostSkipped)...)}, Skipped: hosts(previewHosts+3, api.HostSkipped)},
			waves: []wave{{previewHosts + 10, 3, previewHosts, 10}}, skipped: previewHosts, skippedMore: 3},
		{name: "no host (follow)", plan: api.RolloutPlan{Waves: [][]api.RolloutHost{{}}}, waves: []wave{{0, 0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := viewPlan(tt.plan)
			if len(v.Waves) != len(tt.waves) {
				t.Fatalf("%d waves, want %d", len(v.Waves), len(tt.waves))
			}
			for i, w := range v.Waves {
				got := wave{w.Size, w.Skipped, len(w.Hosts), w.More}
				if w.Index != i+1 || got != tt.waves[i] {
					t.Errorf("wave %d: index %d %+v, want %+v", i+1, w.Index, got, tt.waves[i])
				}
			}
			if len(v.Skipped) != tt.skipped || v.SkippedMore != tt.skippedMore {
				t.Errorf("skipped %d listed, %d more; want %d, %d", len(v.Skipped), v.SkippedMore, tt.skipped, tt.skippedMore)
			}
		})
	}
}
