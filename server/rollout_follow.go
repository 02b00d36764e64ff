package server

import (
	"context"
	"encoding/json"
	"fmt"
)

// rolloutFollow adds a host that is new, or whose tags changed, to every
// --follow rollout still running or paused whose selector it now matches
// (SPEC §11: a fleet-wide desired state), into the last wave. Its cost is
// one probe of the few active rollouts, only when a host appears or is
// re-tagged, never on a report.
func (s *Store) rolloutFollow(t *txn, agentsn, tags string) error {
	c := context.Background()
	rows, err := s.wconn.QueryContext(c, `SELECT id, selector, name, waves FROM rollouts
		WHERE state IN ('running', 'paused') AND follow = 1`)
	if err != nil {
		return fmt.Errorf("follow rollouts: %w", err)
	}
	type fr struct{ id, sel, name, waves string }
	var frs []fr
	for rows.Next() {
		var f fr
		if err := rows.Scan(&f.id, &f.sel, &f.name, &f.waves); err != nil {
			rows.Close()
			return fmt.Errorf("follow rollouts: %w", err)
		}
		frs = append(frs, f)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("follow rollouts: %w", err)
	}
	for _, f := range frs {
		if f.sel != "" {
			sel, err := parseSelector(f.sel)
			if err != nil || !sel.matches(tags) {
				continue
			}
		}
		var one int
		if err := s.wconn.QueryRowContext(c, `SELECT count(*) FROM rollout_hosts WHERE agentsn = ? AND
			(rollout_id = ? OR (name = ? AND active = 1))`, agentsn, f.id, f.name).Scan(&one); err != nil {
			return fmt.Errorf("follow rollout %s: %w", f.id, err)
		}
		if one > 0 {
			continue // a member already, or its pair is held by another rollout
		}
		var waves []int
		if err := json.Unmarshal([]byte(f.waves), &waves); err != nil {
			return fmt.Errorf("rollout %s: stored waves: %w", f.id, err)
		}
		last := len(waves) - 1
		waves[last]++
		w, _ := json.Marshal(waves)
		if _, err := s.wconn.ExecContext(c, `INSERT INTO rollout_hosts (rollout_id, agentsn, name, ord, wave, state, updated)
			SELECT ?, ?, ?, total, ?, 'pending', ? FROM rollouts WHERE id = ?`, f.id, agentsn, f.name, last, t.now, f.id); err != nil {
			return fmt.Errorf("follow rollout %s: add %s: %w", f.id, agentsn, err)
		}
		if _, err := s.wconn.ExecContext(c, `UPDATE rollouts SET total = total + 1, n_pending = n_pending + 1,
			waves = ?, updated = ? WHERE id = ?`, string(w), t.now, f.id); err != nil {
			return fmt.Errorf("follow rollout %s: count %s: %w", f.id, agentsn, err)
		}
		t.afterCommit(func() { s.log.Info("rollout follows new host", "rollout", f.id, "agentsn", agentsn) })
	}
	return nil
}
