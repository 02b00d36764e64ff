package server

import (
	"context"
	"net/url"
	"strconv"

	"github.com/bootagent/bootagent/api"
)

// CreateRollout starts a rollout (SPEC §11).
func (c *Client) CreateRollout(ctx context.Context, req api.RolloutRequest) (api.RolloutInfo, error) {
	req.DryRun = false
	var out api.RolloutInfo
	err := c.do(ctx, "POST", api.PathAdminRollouts, req, &out)
	return out, err
}

// PlanRollout is a dry run: the exact plan, nothing changed.
func (c *Client) PlanRollout(ctx context.Context, req api.RolloutRequest) (api.RolloutPlan, error) {
	req.DryRun = true
	var out api.RolloutPlan
	err := c.do(ctx, "POST", api.PathAdminRollouts, req, &out)
	return out, err
}

// Rollouts lists the rollouts, newest first.
func (c *Client) Rollouts(ctx context.Context) ([]api.RolloutInfo, error) {
	var out []api.RolloutInfo
	err := c.do(ctx, "GET", api.PathAdminRollouts, nil, &out)
	return out, err
}

// Rollout reads one rollout; hosts asks for its hosts too, a page of up to
// limit after position after (-1 from the start).
func (c *Client) Rollout(ctx context.Context, id string, hosts bool, after, limit int) (api.RolloutInfo, error) {
	q := url.Values{}
	if hosts {
		q.Set("hosts", "1")
		if after >= 0 {
			q.Set("after", strconv.Itoa(after))
		}
		if limit > 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
	}
	var out api.RolloutInfo
	err := c.do(ctx, "GET", withQuery(api.PathAdminRollouts+"/"+url.PathEscape(id), q), nil, &out)
	return out, err
}

// RolloutAction pauses, resumes, aborts or rolls back a rollout.
func (c *Client) RolloutAction(ctx context.Context, id, action string) (api.RolloutInfo, error) {
	var out api.RolloutInfo
	err := c.do(ctx, "POST", api.PathAdminRollouts+"/"+url.PathEscape(id)+"/"+url.PathEscape(action), struct{}{}, &out)
	return out, err
}

// CancelJob withdraws a queued job.
func (c *Client) CancelJob(ctx context.Context, id string) (api.JobInfo, error) {
	var out api.JobInfo
	err := c.do(ctx, "POST", api.PathAdminJobs+"/"+url.PathEscape(id)+"/cancel", struct{}{}, &out)
	return out, err
}
