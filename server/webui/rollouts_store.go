package webui

import (
	"context"
	"errors"
	"fmt"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// StoreRollouts serves the rollout pages from the server's own rollout
// engine (server/rollout_*.go): the same reads and actions as the admin
// API, so the UI shows and does exactly what the CLI does.
type StoreRollouts struct{ Store *server.Store }

// rolloutPageHosts bounds the hosts one rollout page lists; the counts
// per wave and state cover them all.
const rolloutPageHosts = 500

// List returns the rollouts, newest first.
func (r StoreRollouts) List(ctx context.Context) ([]RolloutSummary, error) {
	infos, err := r.Store.Rollouts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RolloutSummary, 0, len(infos))
	for _, in := range infos {
		out = append(out, summaryOf(in))
	}
	return out, nil
}

// Get returns one rollout with its waves and (the first page of) its hosts.
func (r StoreRollouts) Get(ctx context.Context, id string) (RolloutDetail, error) {
	in, err := r.Store.Rollout(ctx, id, server.RolloutHostsPage{Want: true, After: -1, Limit: rolloutPageHosts})
	if errors.Is(err, server.ErrUnknownRollout) {
		return RolloutDetail{}, fmt.Errorf("%w: %v", ErrNoRollout, err)
	}
	if err != nil {
		return RolloutDetail{}, err
	}
	d := RolloutDetail{RolloutSummary: summaryOf(in)}
	for _, w := range in.WaveCounts {
		d.Waves = append(d.Waves, RolloutWave{Index: w.Wave, Size: w.Size, Counts: w.Counts})
	}
	for _, h := range in.Hosts {
		d.Hosts = append(d.Hosts, RolloutHost{AgentSN: h.AgentSN, Hostname: h.Hostname, Wave: h.Wave, State: h.State, Message: h.Message})
	}
	return d, nil
}

// Act pauses, resumes, aborts or rolls back the rollout for tokenID.
func (r StoreRollouts) Act(ctx context.Context, id, action, tokenID string) error {
	_, err := r.Store.RolloutAction(ctx, id, action, tokenID)
	switch {
	case errors.Is(err, server.ErrUnknownRollout):
		return fmt.Errorf("%w: %v", ErrNoRollout, err)
	case errors.Is(err, server.ErrConflict):
		return fmt.Errorf("%w: %v", ErrRolloutRefused, err)
	}
	return err
}

func summaryOf(in api.RolloutInfo) RolloutSummary {
	return RolloutSummary{ID: in.ID, Action: in.Action, Name: in.Name, State: in.State, Reason: in.Reason,
		Hosts: in.Total, Counts: in.Counts, Created: in.Created}
}
