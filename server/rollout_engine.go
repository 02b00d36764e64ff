package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/crashpoint"
)

// DefaultRolloutTick is how often the rollout engine steps every active
// rollout when no verdict wakes it sooner.
const DefaultRolloutTick = time.Second

// RunRollouts steps the active rollouts every interval, and at once when a
// report or result gave a verdict, until ctx ends. Every step is one write
// transaction, so a crash between two steps resumes from the database.
func (s *Store) RunRollouts(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultRolloutTick
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	poke := s.rolloutPoke()
	for {
		if err := s.StepRollouts(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("rollout step failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-poke:
		}
	}
}

// StepRollouts takes one step of every active rollout: hosts past their
// healthy deadline fail, hosts that never took their job expire, then the
// rollout halts, advances a wave, succeeds, or queues reverts.
func (s *Store) StepRollouts(ctx context.Context) error {
	return s.write(ctx, true, func(t *txn) error {
		rows, err := s.wconn.QueryContext(context.Background(),
			`SELECT id FROM rollouts WHERE state IN ('running', 'paused', 'rolling_back')`)
		if err != nil {
			return fmt.Errorf("active rollouts: %w", err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("active rollouts: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("active rollouts: %w", err)
		}
		for _, id := range ids {
			if err := s.stepRollout(t, id); err != nil {
				return fmt.Errorf("rollout %s: %w", id, err)
			}
		}
		return nil
	})
}

func (s *Store) stepRollout(t *txn, id string) error {
	r, err := s.getRollout(id)
	if err != nil {
		return err
	}
	if r.State == api.RolloutRunning || r.State == api.RolloutPaused {
		if err := s.failLate(t, r); err != nil {
			return err
		}
		if err := s.expireSilent(t, r); err != nil {
			return err
		}
		if r, err = s.getRollout(id); err != nil {
			return err
		}
	}
	c := context.Background()
	var open, revertOpen int
	if err := s.wconn.QueryRowContext(c, `SELECT count(*) FROM rollout_hosts WHERE rollout_id = ?
		AND state IN ('pending', 'delivered', 'soaking') AND ord < ?`, id, r.waves[r.Wave]).Scan(&open); err != nil {
		return fmt.Errorf("count open hosts: %w", err)
	}
	if err := s.wconn.QueryRowContext(c, `SELECT count(*) FROM rollout_hosts WHERE rollout_id = ?
		AND revert IN (1, 2)`, id).Scan(&revertOpen); err != nil {
		return fmt.Errorf("count reverts: %w", err)
	}
	switch st := nextStep(r.view(open, revertOpen)); st.Do {
	case "advance":
		if _, err := s.wconn.ExecContext(c, `UPDATE rollouts SET wave = wave + 1, wave_started = ?, updated = ?
			WHERE id = ?`, t.now, t.now, id); err != nil {
			return fmt.Errorf("start wave %d: %w", r.Wave+2, err)
		}
		t.afterCommit(func() {
			s.log.Info("rollout wave started", "rollout", id, "wave", r.Wave+2, "of", len(r.waves))
			crashpoint.Here("rollout.wave")
		})
	case "succeed":
		return s.endRollout(t, r, api.RolloutSucceeded, "")
	case "pause":
		if err := s.setRolloutState(t, id, api.RolloutPaused, st.Reason); err != nil {
			return err
		}
		t.afterCommit(func() {
			s.log.Warn("rollout paused", "rollout", id, "reason", st.Reason, "failures", r.Failures,
				"max_failures", r.MaxFailures)
		})
	case "rollback":
		return s.startRollback(t, r, api.ReasonFailures)
	case "rolled_back":
		return s.endRollout(t, r, api.RolloutRolledBack, r.Reason)
	}
	if r.State == api.RolloutRollingBack {
		return s.queueReverts(t, r)
	}
	return nil
}

// failLate fails the hosts that took their job and have had no verdict
// by the healthy deadline; only in-flight hosts are read.
func (s *Store) failLate(t *txn, r roRow) error {
	hs, err := s.hostsWhere(`rollout_id = ? AND state IN ('delivered', 'soaking') AND delivered_at <= ? ORDER BY ord`,
		r.ID, t.now-r.Deadline)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if !pastDeadline(h.DeliveredAt, t.now, r.Deadline) {
			continue
		}
		from := h.State
		h.State, h.Message = api.HostFailed, fmt.Sprintf("no verdict within the healthy deadline (%s; was %s)",
			time.Duration(r.Deadline)*time.Second, from)
		if err := s.putHost(t, h, from, true); err != nil {
			return err
		}
		s.afterVerdict(t, h)
	}
	return nil
}

// expireSilent expires the pending hosts of started waves that have not
// been seen for --expire. They never took a job (a job is made only when
// a host reports for it), so a host coming back later gets nothing stale.
func (s *Store) expireSilent(t *txn, r roRow) error {
	if t.now-r.WaveStarted < r.Expire {
		return nil
	}
	hs, err := s.hostsWhere(`rollout_id = ? AND state = 'pending' AND ord < ? AND agentsn IN
		(SELECT agentsn FROM hosts WHERE last_seen <= ?) ORDER BY ord`, r.ID, r.waves[r.Wave], t.now-r.Expire)
	if err != nil {
		return err
	}
	for _, h := range hs {
		from := h.State
		h.State, h.Message = api.HostExpired, "never took its job before the expiry"
		if err := s.putHost(t, h, from, false); err != nil {
			return err
		}
		s.afterVerdict(t, h)
	}
	return nil
}

func (s *Store) hostsWhere(where string, args ...any) ([]rhRow, error) {
	rows, err := s.wconn.QueryContext(context.Background(), `SELECT `+rhCols+` FROM rollout_hosts WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("rollout hosts: %w", err)
	}
	defer rows.Close()
	var hs []rhRow
	for rows.Next() {
		h, err := scanRH(rows)
		if err != nil {
			return nil, fmt.Errorf("rollout hosts: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

func (s *Store) setRolloutState(t *txn, id, state, reason string) error {
	if _, err := s.wconn.ExecContext(context.Background(), `UPDATE rollouts SET state = ?, reason = ?, updated = ?
		WHERE id = ?`, state, reason, t.now, id); err != nil {
		return fmt.Errorf("set rollout %s %s: %w", id, state, err)
	}
	return nil
}

// endRollout moves a rollout to a final state: its hosts still waiting are
// cancelled, its undelivered jobs withdrawn, and its (host, agent) pairs
// freed for other rollouts and jobs.
func (s *Store) endRollout(t *txn, r roRow, state, reason string) error {
	if err := s.cancelOpenHosts(t, r, "cancelled: rollout "+state); err != nil {
		return err
	}
	c := context.Background()
	if _, err := s.wconn.ExecContext(c, `UPDATE rollout_hosts SET active = 0 WHERE rollout_id = ?`, r.ID); err != nil {
		return fmt.Errorf("free hosts of rollout %s: %w", r.ID, err)
	}
	if err := s.setRolloutState(t, r.ID, state, reason); err != nil {
		return err
	}
	t.afterCommit(func() {
		s.log.Info("rollout "+state, "rollout", r.ID, "reason", reason)
		crashpoint.Here("rollout.ended")
	})
	return nil
}

// cancelOpenHosts cancels the hosts not yet judged and withdraws the
// rollout's jobs not yet delivered.
func (s *Store) cancelOpenHosts(t *txn, r roRow, why string) error {
	hs, err := s.hostsWhere(`rollout_id = ? AND state IN ('pending', 'delivered', 'soaking') ORDER BY ord`, r.ID)
	if err != nil {
		return err
	}
	for _, h := range hs {
		from := h.State
		h.State, h.Message = api.HostCancelled, why
		if err := s.putHost(t, h, from, false); err != nil {
			return err
		}
	}
	if _, err := s.wconn.ExecContext(context.Background(), `UPDATE jobs SET state = 'failed', errcode = -1,
		message = ?, finished = ? WHERE state = 'queued' AND id IN (SELECT job_id FROM rollout_jobs WHERE rollout_id = ?)`,
		"cancelled: withdrawn ("+why+")", t.now, r.ID); err != nil {
		return fmt.Errorf("withdraw jobs of rollout %s: %w", r.ID, err)
	}
	return nil
}

// startRollback stops the rollout's progress and marks for revert every
// host its job may have changed (SPEC §11: only those).
func (s *Store) startRollback(t *txn, r roRow, reason string) error {
	c := context.Background()
	if _, err := s.wconn.ExecContext(c, `UPDATE rollout_hosts SET revert = 1, updated = ?
		WHERE rollout_id = ? AND changed = 1 AND revert = 0`, t.now, r.ID); err != nil {
		return fmt.Errorf("mark hosts of rollout %s for revert: %w", r.ID, err)
	}
	hs, err := s.hostsWhere(`rollout_id = ? AND state = 'pending' ORDER BY ord`, r.ID)
	if err != nil {
		return err
	}
	for _, h := range hs {
		h.State, h.Message = api.HostCancelled, "cancelled: rollout rolling back"
		if err := s.putHost(t, h, api.HostPending, false); err != nil {
			return err
		}
	}
	if err := s.setRolloutState(t, r.ID, api.RolloutRollingBack, reason); err != nil {
		return err
	}
	t.afterCommit(func() {
		s.log.Warn("rollout rolling back", "rollout", r.ID, "reason", reason)
		crashpoint.Here("rollout.rollback")
		s.wake()
	})
	return nil
}

// queueReverts queues revert jobs, at most max-in-flight at a time.
func (s *Store) queueReverts(t *txn, r roRow) error {
	n := mayRevert(r.NReverting, r.MaxInFlight)
	if n == 0 {
		return nil
	}
	hs, err := s.hostsWhere(`rollout_id = ? AND revert = 1 ORDER BY ord LIMIT ?`, r.ID, n)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if h.PrevSpec == "" {
			h.Revert, h.Message = 3, "nothing to revert to: no earlier install or upgrade in the job history"
			if err := s.putHost(t, h, h.State, false); err != nil {
				return err
			}
			continue
		}
		var job api.Job
		if err := json.Unmarshal([]byte(h.PrevSpec), &job); err != nil {
			return fmt.Errorf("host %s: stored revert job: %w", h.AgentSN, err)
		}
		job.ID = uuid.NewString()
		if err := s.insertRolloutJob(t, r, h.AgentSN, job, "revert"); err != nil {
			return err
		}
		h.Revert, h.RevertJob = 2, job.ID
		if err := s.putHost(t, h, h.State, false); err != nil {
			return err
		}
		if _, err := s.wconn.ExecContext(context.Background(), `UPDATE rollouts SET n_reverting = n_reverting + 1
			WHERE id = ?`, r.ID); err != nil {
			return fmt.Errorf("count reverts of rollout %s: %w", r.ID, err)
		}
		t.afterCommit(func() {
			s.log.Info("rollout revert queued", "rollout", r.ID, "agentsn", h.AgentSN, "job", job.ID, "action", job.Action)
			crashpoint.Here("rollout.revert")
		})
	}
	return nil
}
