package webui

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/bootagent/bootagent/api"
)

// fakeRollouts is a Rollouts in memory with SPEC §11's state changes for
// the four actions, recording who acted.
type fakeRollouts struct {
	mu    sync.Mutex
	r     map[string]*RolloutDetail
	acted []string // "id action token"
}

func newFakeRollouts() *fakeRollouts {
	d := &RolloutDetail{
		RolloutSummary: RolloutSummary{ID: "r-1", Action: "upgrade", Name: "BasicAgent", State: "running", Hosts: 11,
			Counts: map[string]int{"healthy": 3, "soaking": 2, "pending": 5, "failed": 1}, Created: 1},
		Waves: []RolloutWave{
			{Index: 1, Size: 1, Counts: map[string]int{"healthy": 1}},
			{Index: 2, Size: 5, Counts: map[string]int{"healthy": 2, "soaking": 2, "failed": 1}},
			{Index: 3, Size: 5, Counts: map[string]int{"pending": 5}},
		},
		Hosts: []RolloutHost{{AgentSN: sn(1), Hostname: "web-1", Wave: 1, State: "healthy"},
			{AgentSN: sn(2), Hostname: "web-2", Wave: 2, State: "failed", Message: "exit 1 <script>alert('r')</script>"}},
	}
	done := &RolloutDetail{RolloutSummary: RolloutSummary{ID: "r-0", Action: "install", Name: "Old", State: "succeeded", Hosts: 1,
		Counts: map[string]int{"healthy": 1}}}
	return &fakeRollouts{r: map[string]*RolloutDetail{d.ID: d, done.ID: done}}
}

func (f *fakeRollouts) List(context.Context) ([]RolloutSummary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []RolloutSummary{f.r["r-1"].RolloutSummary, f.r["r-0"].RolloutSummary}, nil
}

func (f *fakeRollouts) Get(_ context.Context, id string) (RolloutDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.r[id]
	if !ok {
		return RolloutDetail{}, fmt.Errorf("%w %q", ErrNoRollout, id)
	}
	return *d, nil
}

func (f *fakeRollouts) Act(_ context.Context, id, action, tokenID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.r[id]
	if !ok {
		return fmt.Errorf("%w %q", ErrNoRollout, id)
	}
	next := map[string]map[string]string{
		"pause":    {"running": "paused"},
		"resume":   {"paused": "running"},
		"abort":    {"running": "aborted", "paused": "aborted", "rolling_back": "aborted"},
		"rollback": {"running": "rolling_back", "paused": "rolling_back"},
	}[action][d.State]
	if next == "" {
		return fmt.Errorf("%w: cannot %s a %s rollout", ErrRolloutRefused, action, d.State)
	}
	d.State, d.Reason = next, ""
	if next == "paused" {
		d.Reason = "manual"
	}
	f.acted = append(f.acted, id+" "+action+" "+tokenID)
	return nil
}

func (f *fakeRollouts) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.acted...)
}

// Plan plans every request onto web-1 in one wave; an action the fake
// does not know is refused as the store would.
func (f *fakeRollouts) Plan(_ context.Context, req api.RolloutRequest) (api.RolloutPlan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plan(req)
}

func (f *fakeRollouts) plan(req api.RolloutRequest) (api.RolloutPlan, error) {
	if !slices.Contains(jobActions, req.Job.Action) {
		return api.RolloutPlan{}, rolloutInvalid(fmt.Errorf("unknown action %q", req.Job.Action))
	}
	return api.RolloutPlan{ID: fmt.Sprintf("r-%d", len(f.r)), Action: req.Job.Action, Name: req.Job.Name,
		Waves:   [][]api.RolloutHost{{{AgentSN: sn(1), Hostname: "web-1", Wave: 1, State: api.HostPending}}},
		Skipped: []api.RolloutHost{}, MaxInFlight: 1, HaltsAtFailure: 1}, nil
}

// Create stores the planned rollout as running, recording who created it
// in acted ("id create token").
func (f *fakeRollouts) Create(_ context.Context, req api.RolloutRequest, tokenID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.plan(req)
	if err != nil {
		return "", err
	}
	f.r[p.ID] = &RolloutDetail{RolloutSummary: RolloutSummary{ID: p.ID, Action: p.Action, Name: p.Name, State: "running",
		Hosts: 1, Counts: map[string]int{"pending": 1}},
		Waves: []RolloutWave{{Index: 1, Size: 1, Counts: map[string]int{"pending": 1}}}}
	f.acted = append(f.acted, p.ID+" create "+tokenID)
	return p.ID, nil
}
