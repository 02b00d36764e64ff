package server

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/crashpoint"
)

// The rollout engine's hooks on the hot paths. Each costs one indexed
// probe when the host is in no rollout, whatever the size of the fleet or
// the number of rollouts: a report looks up its host in rollout_hosts_live,
// a result its job in rollout_jobs.

// rolloutReport runs inside a status report, before the host's jobs are
// delivered: a pending host whose turn has come gets its job (delivered in
// this very answer, so a host that never reports never takes one), and a
// soaking host is judged from this report.
func (s *Store) rolloutReport(t *txn, doc *api.StatusDoc) error {
	st, err := s.roStmts()
	if err != nil {
		return err
	}
	rows, err := st.live.Query(doc.AgentSN)
	if err != nil {
		return fmt.Errorf("rollouts of %s: %w", doc.AgentSN, err)
	}
	var hs []rhRow
	for rows.Next() {
		h, err := scanRH(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("rollouts of %s: %w", doc.AgentSN, err)
		}
		hs = append(hs, h)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("rollouts of %s: %w", doc.AgentSN, err)
	}
	for _, h := range hs {
		if h.State == api.HostPending {
			// Most reports of a fleet in a rollout are of hosts still
			// waiting for their wave or a slot: decided from the gate
			// row alone, the whole rollout is read only to assign.
			var v rolloutView
			var maxInFlight int
			if err := st.gate.QueryRow(h.RolloutID).Scan(&v.State, &v.Wave, &maxInFlight, &v.InFlight, &v.Failures,
				&v.FailLimit); err != nil {
				return fmt.Errorf("rollout %s: %w", h.RolloutID, err)
			}
			if !mayAssign(v, h.Wave, maxInFlight) {
				continue
			}
		}
		r, err := s.getRollout(h.RolloutID)
		if err != nil {
			return err
		}
		switch h.State {
		case api.HostPending:
			if mayAssign(r.view(0, 0), h.Wave, r.MaxInFlight) {
				// The answer hands out a job: it must be stored durably
				// first, like any job delivery that matters.
				if err := t.needSync(); err != nil {
					return err
				}
				if err := s.assign(t, r, h); err != nil {
					return err
				}
			}
		case api.HostSoaking:
			if r.State != api.RolloutRunning && r.State != api.RolloutPaused {
				continue
			}
			v := judgeReport(soakState{ResultAt: h.ResultAt, SoakStart: h.SoakStart, Baseline: h.Baseline},
				targetOf(r.Action), h.JobID, observe(doc, r.Name, h.ResultAt), t.now, r.Soak)
			from := h.State
			h.State, h.SoakStart, h.Baseline = v.State, v.Soak.SoakStart, v.Soak.Baseline
			if v.Message != "" {
				h.Message = v.Message
			}
			if err := s.putHost(t, h, from, false); err != nil {
				return err
			}
			if v.State != api.HostSoaking {
				s.afterVerdict(t, h)
			}
		}
	}
	return nil
}

// assign queues the rollout's job for a host whose turn it is; the caller
// delivers it in the same transaction.
func (s *Store) assign(t *txn, r roRow, h rhRow) error {
	var job api.Job
	if err := json.Unmarshal([]byte(r.Spec), &job); err != nil {
		return fmt.Errorf("rollout %s: stored job: %w", r.ID, err)
	}
	job.ID = uuid.NewString()
	if err := s.insertRolloutJob(t, r, h.AgentSN, job, "apply"); err != nil {
		return err
	}
	from := h.State
	h.State, h.JobID, h.DeliveredAt, h.Changed = api.HostDelivered, job.ID, t.now, true
	if err := s.putHost(t, h, from, false); err != nil {
		return err
	}
	t.afterCommit(func() {
		s.log.Info("rollout job delivered", "rollout", r.ID, "agentsn", h.AgentSN, "job", job.ID, "wave", h.Wave+1)
		crashpoint.Here("rollout.assigned")
	})
	return nil
}

func (s *Store) insertRolloutJob(t *txn, r roRow, agentsn string, job api.Job, kind string) error {
	spec, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	if err := exec(t.st.jobInsert, job.ID, agentsn, job.Action, job.Name, string(spec), t.now, r.TokenID); err != nil {
		return fmt.Errorf("insert job of rollout %s for %s: %w", r.ID, agentsn, err)
	}
	if _, err := s.wconn.ExecContext(context.Background(), `INSERT INTO rollout_jobs (job_id, rollout_id, agentsn, kind) VALUES (?, ?, ?, ?)`,
		job.ID, r.ID, agentsn, kind); err != nil {
		return fmt.Errorf("record job of rollout %s for %s: %w", r.ID, agentsn, err)
	}
	return nil
}

func (s *Store) afterVerdict(t *txn, h rhRow) {
	t.afterCommit(func() {
		s.log.Info("rollout host "+h.State, "rollout", h.RolloutID, "agentsn", h.AgentSN, "message", h.Message)
		s.wake()
		crashpoint.Here("rollout.verdict")
	})
}

// rolloutResult runs when a job's first result is stored: a rollout's job
// moves its host to soaking (errcode 0) or failed; a revert job ends that
// host's revert.
func (s *Store) rolloutResult(t *txn, r api.JobResult) error {
	st, err := s.roStmts()
	if err != nil {
		return err
	}
	var rid, agentsn, kind string
	switch err := st.jobOf.QueryRow(r.ID).Scan(&rid, &agentsn, &kind); {
	case isNoRows(err):
		return nil
	case err != nil:
		return fmt.Errorf("rollout of job %s: %w", r.ID, err)
	}
	h, err := scanRH(st.hostGet.QueryRow(rid, agentsn))
	if err != nil {
		return fmt.Errorf("host %s of rollout %s: %w", agentsn, rid, err)
	}
	from := h.State
	if kind == "revert" {
		if h.RevertJob != r.ID || h.Revert != 2 {
			return nil
		}
		h.Revert = 3
		if r.Errcode == 0 {
			h.State, h.Message = api.HostReverted, "reverted"
		} else {
			h.Message = fmt.Sprintf("rollback failed: errcode %d: %s", r.Errcode, r.Message)
		}
		if _, err := s.wconn.ExecContext(context.Background(), `UPDATE rollouts SET n_reverting = n_reverting - 1 WHERE id = ?`, rid); err != nil {
			return fmt.Errorf("count reverts of rollout %s: %w", rid, err)
		}
		if err := s.putHost(t, h, from, false); err != nil {
			return err
		}
		s.afterVerdict(t, h)
		return nil
	}
	ro, err := s.getRollout(rid)
	if err != nil {
		return err
	}
	if h.State != api.HostDelivered || h.JobID != r.ID || (ro.State != api.RolloutRunning && ro.State != api.RolloutPaused) {
		return nil
	}
	if r.Errcode != 0 {
		// The agent keeps what it ran when a job fails (SPEC §4): nothing
		// of ours to revert.
		h.State, h.Changed = api.HostFailed, false
		h.Message = fmt.Sprintf("errcode %d: %s", r.Errcode, r.Message)
		if err := s.putHost(t, h, from, false); err != nil {
			return err
		}
		s.afterVerdict(t, h)
		return nil
	}
	h.State, h.ResultAt, h.SoakStart, h.Baseline, h.Message = api.HostSoaking, t.now, 0, -1, r.Message
	return s.putHost(t, h, from, false)
}

// checkRolloutPair refuses a single job for a (host, agent) pair an
// active rollout holds, unless forced (SPEC §11).
func (s *Store) checkRolloutPair(agentsn, name string, force bool) error {
	if name == "" || force {
		return nil
	}
	st, err := s.roStmts()
	if err != nil {
		return err
	}
	var rid string
	switch err := st.pair.QueryRow(agentsn, name).Scan(&rid); {
	case isNoRows(err):
		return nil
	case err != nil:
		return fmt.Errorf("check rollouts of %s: %w", agentsn, err)
	}
	return fmt.Errorf("%w: agent %q on host %s is in active rollout %s; pass --force (\"force\": true) to queue it anyway",
		ErrConflict, name, agentsn, rid)
}
