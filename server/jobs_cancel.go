package server

import (
	"context"
	"fmt"

	"github.com/bootagent/bootagent/api"
)

// CancelJob withdraws a job not yet delivered (SPEC §8 `job cancel`): it
// fails with errcode -1 and a message naming the token. A job already
// delivered may be running on the host: it is refused (ErrConflict).
func (s *Store) CancelJob(ctx context.Context, id, tokenID string) (api.JobInfo, error) {
	err := s.write(ctx, true, func(t *txn) error {
		var state string
		if err := s.wconn.QueryRowContext(context.Background(), `SELECT state FROM jobs WHERE id = ?`, id).Scan(&state); err != nil {
			if isNoRows(err) {
				return fmt.Errorf("%w %q", ErrUnknownJob, id)
			}
			return fmt.Errorf("read job %s: %w", id, err)
		}
		if state != api.JobQueued {
			return fmt.Errorf("%w: job %s is %s, only a queued job can be cancelled", ErrConflict, id, state)
		}
		if _, err := s.wconn.ExecContext(context.Background(), `UPDATE jobs SET state = 'failed', errcode = -1,
			message = ?, finished = ? WHERE id = ? AND state = 'queued'`,
			"cancelled: withdrawn by admin token "+dashIfEmpty(tokenID), t.now, id); err != nil {
			return fmt.Errorf("cancel job %s: %w", id, err)
		}
		t.afterCommit(func() { s.log.Info("job cancelled", "job", id, "token_id", tokenID) })
		return nil
	})
	if err != nil {
		return api.JobInfo{}, err
	}
	return s.Job(ctx, id)
}
