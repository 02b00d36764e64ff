package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
)

// AddJob validates req and queues it for its host. The job is delivered in
// every status answer to that host until its result arrives.
func (s *Store) AddJob(ctx context.Context, req api.JobRequest) (api.JobInfo, error) {
	return s.AddJobAs(ctx, req, "")
}

// AddJobAs is AddJob recording tokenID, the admin token that asked for the
// job (SPEC §10: jobs record the token id that made them).
func (s *Store) AddJobAs(ctx context.Context, req api.JobRequest, tokenID string) (api.JobInfo, error) {
	job, err := jobFromRequest(req)
	if err != nil {
		return api.JobInfo{}, err
	}
	job.ID = uuid.NewString()
	spec, err := json.Marshal(job)
	if err != nil {
		return api.JobInfo{}, fmt.Errorf("encode job: %w", err)
	}
	var info api.JobInfo
	err = s.write(ctx, true, func(t *txn) error {
		agentsn, err := t.resolveHost(req.Host)
		if err != nil {
			return err
		}
		h, _, err := t.host(agentsn)
		if err != nil {
			return err
		}
		if err := s.checkRolloutPair(agentsn, job.Name, req.Force); err != nil {
			return err
		}
		if err := exec(t.st.jobInsert, job.ID, agentsn, job.Action, job.Name, string(spec), t.now, tokenID); err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		info = shown(api.JobInfo{Job: job, Host: agentsn, Hostname: h.hostname, State: api.JobQueued, Created: t.now, TokenID: tokenID})
		t.afterCommit(func() {
			s.log.Info("job queued", "job", job.ID, "agentsn", agentsn, "hostname", h.hostname,
				"action", job.Action, "name", job.Name, "token_id", tokenID)
		})
		return nil
	})
	if err != nil {
		return api.JobInfo{}, err
	}
	return info, nil
}

// AddResults stores job results (POST /agent/job/result). The first result
// of a job decides it: errcode 0 succeeded, else failed; a result sent
// again changes nothing. A result for an unknown job is kept in the results
// history only. nil means every result is durably stored.
func (s *Store) AddResults(ctx context.Context, results []api.JobResult, addr string) error {
	if err := validateResults(results); err != nil {
		return err
	}
	err := s.write(ctx, true, func(t *txn) error {
		for _, r := range results {
			if err := s.addResult(t, r, addr); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %d job results: %w", len(results), err)
	}
	return nil
}

// AddHostResults is AddResults for results posted by host agentsn (known
// from its credential): a result for another host's job is dropped with a
// warning, so a host cannot finish jobs that are not its own.
func (s *Store) AddHostResults(ctx context.Context, agentsn string, results []api.JobResult, addr string) error {
	if err := validateResults(results); err != nil {
		return err
	}
	err := s.write(ctx, true, func(t *txn) error {
		for _, r := range results {
			var owner string
			err := s.wconn.QueryRowContext(context.Background(), `SELECT agentsn FROM jobs WHERE id = ?`, r.ID).Scan(&owner)
			if err == nil && owner != agentsn {
				t.afterCommit(func() {
					s.log.Warn("result for another host's job dropped", "job", r.ID, "agentsn", agentsn, "owner", owner)
				})
				continue
			}
			if err := s.addResult(t, r, addr); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %d job results of %s: %w", len(results), agentsn, err)
	}
	return nil
}

func (s *Store) addResult(t *txn, r api.JobResult, addr string) error {
	res, err := t.st.resultInsert.Exec(r.ID, r.Errcode, r.Message, t.now, addr)
	if err != nil {
		return fmt.Errorf("store result of job %s: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store result of job %s: %w", r.ID, err)
	}
	if n == 0 {
		return nil // a result for this job is already stored: nothing changes
	}
	state := api.JobSucceeded
	if r.Errcode != 0 {
		state = api.JobFailed
	}
	rows, err := t.st.jobFinish.Query(r.ID, state, r.Errcode, r.Message, t.now)
	if err != nil {
		return fmt.Errorf("finish job %s: %w", r.ID, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("finish job %s: %w", r.ID, err)
		}
		t.afterCommit(func() {
			s.log.Warn("result for unknown job", "job", r.ID, "errcode", r.Errcode, "message", r.Message, "addr", addr)
		})
		return nil
	}
	var agentsn, action, name string
	var deliveries int
	if err := rows.Scan(&agentsn, &action, &name, &deliveries); err != nil {
		return fmt.Errorf("finish job %s: %w", r.ID, err)
	}
	t.afterCommit(func() {
		s.log.Info("job "+state, "job", r.ID, "agentsn", agentsn, "action", action, "name", name,
			"errcode", r.Errcode, "message", r.Message, "deliveries", deliveries)
	})
	if err := rows.Close(); err != nil {
		return fmt.Errorf("finish job %s: %w", r.ID, err)
	}
	return s.rolloutResult(t, r)
}
