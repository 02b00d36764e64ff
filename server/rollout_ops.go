package server

import (
	"context"
	"fmt"

	"github.com/bootagent/bootagent/api"
)

// Operator actions on a rollout (SPEC §11): pause, resume, abort,
// rollback. Each is one transaction; the engine takes it from there.

// RolloutAction applies one of "pause", "resume", "abort", "rollback" to
// rollout id, on behalf of admin token tokenID (logged).
func (s *Store) RolloutAction(ctx context.Context, id, action, tokenID string) (api.RolloutInfo, error) {
	err := s.write(ctx, true, func(t *txn) error {
		r, err := s.getRollout(id)
		if err != nil {
			return err
		}
		if err := s.rolloutAction(t, r, action); err != nil {
			return err
		}
		t.afterCommit(func() { s.log.Info("rollout "+action, "rollout", id, "token_id", tokenID) })
		return nil
	})
	if err != nil {
		return api.RolloutInfo{}, fmt.Errorf("%s rollout %s: %w", action, id, err)
	}
	s.wake()
	return s.Rollout(ctx, id, RolloutHostsPage{})
}

func (s *Store) rolloutAction(t *txn, r roRow, action string) error {
	refuse := func() error {
		return fmt.Errorf("%w: rollout %s is %s", ErrConflict, r.ID, r.State)
	}
	switch action {
	case "pause":
		if r.State != api.RolloutRunning {
			return refuse()
		}
		return s.setRolloutState(t, r.ID, api.RolloutPaused, api.ReasonManual)
	case "resume":
		if r.State != api.RolloutPaused {
			return refuse()
		}
		// A rollout halted by failures gets its budget afresh: the
		// operator who resumes it has judged those failures.
		if _, err := s.wconn.ExecContext(context.Background(), `UPDATE rollouts SET fail_allow = failures,
			last_fail_deadline = 0 WHERE id = ?`, r.ID); err != nil {
			return fmt.Errorf("resume rollout %s: %w", r.ID, err)
		}
		return s.setRolloutState(t, r.ID, api.RolloutRunning, "")
	case "abort":
		if !r.active() {
			return refuse()
		}
		return s.endRollout(t, r, api.RolloutAborted, api.ReasonManual)
	case "rollback":
		if r.State != api.RolloutRunning && r.State != api.RolloutPaused {
			return refuse()
		}
		return s.startRollback(t, r, api.ReasonManual)
	}
	return invalid("rollout action %q is not pause, resume, abort or rollback", action)
}
