package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bootagent/bootagent/api"
)

// The rollouts' read API, on the read-only pool: what the CLI, the admin
// API and the web UI show. None of it runs on a report's path.

// RolloutHostsPage asks Rollout for a page of its hosts: those after
// position After in the rollout's order (RolloutHost.Ord; -1 from the
// start), at most Limit (default DefaultLimit). Want false leaves them out.
type RolloutHostsPage struct {
	Want  bool
	After int
	Limit int
	State string // only hosts in this state ("" all)
}

func (r roRow) info() api.RolloutInfo {
	var job api.Job
	_ = json.Unmarshal([]byte(r.Spec), &job) // written by us from an api.Job
	counts := map[string]int{
		api.HostSkipped: r.NSkipped, api.HostPending: r.NPending, api.HostDelivered: r.NDelivered,
		api.HostSoaking: r.NSoaking, api.HostHealthy: r.NHealthy, api.HostFailed: r.NFailed,
		api.HostExpired: r.NExpired, api.HostCancelled: r.NCancelled, api.HostReverted: r.NReverted,
	}
	return api.RolloutInfo{ID: r.ID, Action: r.Action, Name: r.Name, Job: shownJob(job), Selector: r.Sel,
		State: r.State, Reason: r.Reason, Created: r.Created, Updated: r.Updated, TokenID: r.TokenID,
		Total: r.Total, Wave: r.Wave + 1, Waves: r.waves, MaxInFlight: r.MaxInFlight, MaxFailures: r.MaxFailures,
		HaltsAtFailure: r.FailAllow + r.MaxFailures + 1, Failures: r.Failures, Soak: r.Soak,
		HealthyDeadline: r.Deadline, Expire: r.Expire, OnFailure: r.OnFailure, Follow: r.Follow, Counts: counts}
}

// shownJob is a job as the admin API shows it: env values left out.
func shownJob(j api.Job) api.Job {
	return shown(api.JobInfo{Job: j}).Job
}

// Rollouts lists every rollout, newest first, with its counts.
func (s *Store) Rollouts(ctx context.Context) ([]api.RolloutInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+roCols+` FROM rollouts ORDER BY seq DESC`)
	if err != nil {
		return nil, fmt.Errorf("list rollouts: %w", err)
	}
	defer rows.Close()
	out := []api.RolloutInfo{}
	for rows.Next() {
		r, err := scanRO(rows)
		if err != nil {
			return nil, fmt.Errorf("list rollouts: %w", err)
		}
		out = append(out, r.info())
	}
	return out, rows.Err()
}

// Rollout returns one rollout with its per-wave counts, its failed hosts
// (with their messages) and, when page.Want, a page of its hosts.
func (s *Store) Rollout(ctx context.Context, id string, page RolloutHostsPage) (api.RolloutInfo, error) {
	r, err := scanRO(s.rdb.QueryRowContext(ctx, `SELECT `+roCols+` FROM rollouts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return api.RolloutInfo{}, fmt.Errorf("%w %q", ErrUnknownRollout, id)
	}
	if err != nil {
		return api.RolloutInfo{}, fmt.Errorf("read rollout %s: %w", id, err)
	}
	info := r.info()
	if info.WaveCounts, err = s.waveCounts(ctx, r); err != nil {
		return info, err
	}
	if info.FailedHosts, err = s.rolloutHosts(ctx, id, `AND rh.state = 'failed'`, -1, DefaultLimit); err != nil {
		return info, err
	}
	if page.Want {
		where := ""
		var args []any
		if page.State != "" {
			where, args = `AND rh.state = ?`, append(args, page.State)
		}
		if info.Hosts, err = s.rolloutHosts(ctx, id, where, page.After, limit(page.Limit), args...); err != nil {
			return info, err
		}
	}
	return info, nil
}

func (s *Store) waveCounts(ctx context.Context, r roRow) ([]api.RolloutWave, error) {
	waves := make([]api.RolloutWave, len(r.waves))
	prev := 0
	for i, n := range r.waves {
		waves[i] = api.RolloutWave{Wave: i + 1, Size: n - prev, Counts: map[string]int{}}
		prev = n
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT wave, state, count(*) FROM rollout_hosts WHERE rollout_id = ?
		GROUP BY wave, state`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("count hosts of rollout %s: %w", r.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var w, n int
		var state string
		if err := rows.Scan(&w, &state, &n); err != nil {
			return nil, fmt.Errorf("count hosts of rollout %s: %w", r.ID, err)
		}
		if w >= 0 && w < len(waves) {
			waves[w].Counts[state] = n
		}
	}
	return waves, rows.Err()
}

func (s *Store) rolloutHosts(ctx context.Context, id, where string, after, n int, args ...any) ([]api.RolloutHost, error) {
	q := `SELECT rh.agentsn, COALESCE(h.hostname, ''), rh.wave, rh.state, rh.job_id, rh.revert_job, rh.message,
		rh.updated, rh.ord FROM rollout_hosts rh LEFT JOIN hosts h ON h.agentsn = rh.agentsn
		WHERE rh.rollout_id = ? AND rh.ord > ? ` + where + ` ORDER BY rh.ord LIMIT ?`
	rows, err := s.rdb.QueryContext(ctx, q, append(append([]any{id, after}, args...), n)...)
	if err != nil {
		return nil, fmt.Errorf("hosts of rollout %s: %w", id, err)
	}
	defer rows.Close()
	out := []api.RolloutHost{}
	for rows.Next() {
		var h api.RolloutHost
		if err := rows.Scan(&h.AgentSN, &h.Hostname, &h.Wave, &h.State, &h.JobID, &h.RevertJobID, &h.Message,
			&h.Updated, &h.Ord); err != nil {
			return nil, fmt.Errorf("hosts of rollout %s: %w", id, err)
		}
		h.Wave++
		out = append(out, h)
	}
	return out, rows.Err()
}

// RolloutsByState counts the rollouts in each state (every state named,
// zero included), for /metrics: a count over the rollouts table, which
// holds one row per rollout, not per host.
func (s *Store) RolloutsByState(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, st := range []string{api.RolloutRunning, api.RolloutPaused, api.RolloutSucceeded, api.RolloutAborted,
		api.RolloutRollingBack, api.RolloutRolledBack} {
		out[st] = 0
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT state, count(*) FROM rollouts GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count rollouts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count rollouts: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}
