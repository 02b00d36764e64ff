package webui

import (
	"context"
	"errors"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// Plan is the store's dry run, exactly as POST /admin/rollouts with
// dry_run answers it.
func (r StoreRollouts) Plan(ctx context.Context, req api.RolloutRequest) (api.RolloutPlan, error) {
	req.DryRun = true
	_, plan, err := r.Store.CreateRollout(ctx, req, "")
	return plan, storeRolloutErr(err)
}

// Create is the store's create, as the admin API's, recording tokenID.
func (r StoreRollouts) Create(ctx context.Context, req api.RolloutRequest, tokenID string) (string, error) {
	req.DryRun = false
	info, _, err := r.Store.CreateRollout(ctx, req, tokenID)
	if err != nil {
		return "", storeRolloutErr(err)
	}
	return info.ID, nil
}

// storeRolloutErr marks the store's refusals of a request (bad input,
// unknown or ambiguous host, a pair another rollout holds) as the
// operator's to fix; anything else stays the server's.
func storeRolloutErr(err error) error {
	if err == nil {
		return nil
	}
	for _, user := range []error{server.ErrInvalid, server.ErrUnknownHost, server.ErrAmbiguousHost, server.ErrConflict} {
		if errors.Is(err, user) {
			return rolloutInvalid(err)
		}
	}
	return err
}
