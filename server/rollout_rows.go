package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/bootagent/bootagent/api"
)

// rolloutRT is the rollout engine's runtime: its statements, prepared on
// the writer's connection at first use (only the writer goroutine uses
// them), and the channel that wakes the engine when a report or result
// gave a verdict.
type rolloutRT struct {
	once sync.Once
	poke chan struct{}
	st   *rolloutStmts
}

func (s *Store) rolloutPoke() chan struct{} {
	s.ro.once.Do(func() { s.ro.poke = make(chan struct{}, 1) })
	return s.ro.poke
}

// wake asks the engine for a step soon; it never blocks.
func (s *Store) wake() {
	select {
	case s.rolloutPoke() <- struct{}{}:
	default:
	}
}

type rolloutStmts struct {
	live, hostGet, hostPut, move, jobOf, get, pair, prev, gate *sql.Stmt
}

const rhCols = `rollout_id, agentsn, name, ord, wave, state, active, job_id, delivered_at, result_at,
	soak_start, baseline, changed, prev_spec, revert, revert_job, message, updated`

// roCols are the columns of a rollout row that the engine reads.
const roCols = `seq, id, action, name, spec, request, selector, follow, state, reason, created, updated, token_id,
	waves, wave, wave_started, max_in_flight, max_failures, fail_allow, failures, last_fail_deadline, soak,
	healthy_deadline, expire, on_failure, total, n_skipped, n_pending, n_delivered, n_soaking, n_healthy,
	n_failed, n_expired, n_cancelled, n_reverted, n_reverting`

// stmts returns the rollout statements; writer goroutine only.
func (s *Store) roStmts() (*rolloutStmts, error) {
	if s.ro.st != nil {
		return s.ro.st, nil
	}
	st := &rolloutStmts{}
	defs := []struct {
		dst **sql.Stmt
		sql string
	}{
		// The per-report lookup: an index holding only the hosts of
		// rollouts still waiting for them, so a host in none costs one probe.
		{&st.live, `SELECT ` + rhCols + ` FROM rollout_hosts
			WHERE agentsn = ? AND state IN ('pending', 'delivered', 'soaking')`},
		{&st.hostGet, `SELECT ` + rhCols + ` FROM rollout_hosts WHERE rollout_id = ? AND agentsn = ?`},
		{&st.hostPut, `UPDATE rollout_hosts SET state = ?3, active = ?4, job_id = ?5, delivered_at = ?6,
			result_at = ?7, soak_start = ?8, baseline = ?9, changed = ?10, prev_spec = ?11, revert = ?12,
			revert_job = ?13, message = ?14, updated = ?15 WHERE rollout_id = ?1 AND agentsn = ?2`},
		// One counter moves from ?3 to ?2 (either may be '').
		{&st.move, `UPDATE rollouts SET updated = ?4,
			n_skipped = n_skipped + (?2 = 'skipped') - (?3 = 'skipped'),
			n_pending = n_pending + (?2 = 'pending') - (?3 = 'pending'),
			n_delivered = n_delivered + (?2 = 'delivered') - (?3 = 'delivered'),
			n_soaking = n_soaking + (?2 = 'soaking') - (?3 = 'soaking'),
			n_healthy = n_healthy + (?2 = 'healthy') - (?3 = 'healthy'),
			n_failed = n_failed + (?2 = 'failed') - (?3 = 'failed'),
			n_expired = n_expired + (?2 = 'expired') - (?3 = 'expired'),
			n_cancelled = n_cancelled + (?2 = 'cancelled') - (?3 = 'cancelled'),
			n_reverted = n_reverted + (?2 = 'reverted') - (?3 = 'reverted')
			WHERE id = ?1`},
		{&st.jobOf, `SELECT rollout_id, agentsn, kind FROM rollout_jobs WHERE job_id = ?`},
		{&st.get, `SELECT ` + roCols + ` FROM rollouts WHERE id = ?`},
		{&st.pair, pairQuery},
		// What a pending host's report needs to know whether its turn has
		// come: a few integers, not the whole rollout row.
		{&st.gate, `SELECT state, wave, max_in_flight, n_delivered + n_soaking, failures - fail_allow, max_failures
			FROM rollouts WHERE id = ?`},
		{&st.prev, prevJobQuery},
	}
	for _, d := range defs {
		p, err := s.wconn.PrepareContext(context.Background(), d.sql)
		if err != nil {
			return nil, fmt.Errorf("prepare %q: %w", firstLine(d.sql), err)
		}
		*d.dst = p
	}
	s.ro.st = st
	return st, nil
}

// rhRow is one host of a rollout.
type rhRow struct {
	RolloutID, AgentSN, Name string
	Ord, Wave                int
	State                    string
	Active                   bool
	JobID                    string
	DeliveredAt, ResultAt    int64
	SoakStart                int64
	Baseline                 int
	Changed                  bool
	PrevSpec                 string
	Revert                   int
	RevertJob, Message       string
	Updated                  int64
}

func scanRH(sc interface{ Scan(...any) error }) (rhRow, error) {
	var h rhRow
	err := sc.Scan(&h.RolloutID, &h.AgentSN, &h.Name, &h.Ord, &h.Wave, &h.State, &h.Active, &h.JobID,
		&h.DeliveredAt, &h.ResultAt, &h.SoakStart, &h.Baseline, &h.Changed, &h.PrevSpec, &h.Revert,
		&h.RevertJob, &h.Message, &h.Updated)
	return h, err
}

// roRow is one rollout as stored.
type roRow struct {
	Seq                                   int64
	ID, Action, Name, Spec, Request, Sel  string
	Follow                                bool
	State, Reason                         string
	Created, Updated                      int64
	TokenID, WavesJSON                    string
	Wave                                  int
	WaveStarted                           int64
	MaxInFlight, MaxFailures, FailAllow   int
	Failures                              int
	LastFailDeadline                      bool
	Soak, Deadline, Expire                int64
	OnFailure                             string
	Total                                 int
	NSkipped, NPending, NDelivered        int
	NSoaking, NHealthy, NFailed, NExpired int
	NCancelled, NReverted, NReverting     int
	waves                                 []int
}

func scanRO(sc interface{ Scan(...any) error }) (roRow, error) {
	var r roRow
	err := sc.Scan(&r.Seq, &r.ID, &r.Action, &r.Name, &r.Spec, &r.Request, &r.Sel, &r.Follow, &r.State,
		&r.Reason, &r.Created, &r.Updated, &r.TokenID, &r.WavesJSON, &r.Wave, &r.WaveStarted, &r.MaxInFlight,
		&r.MaxFailures, &r.FailAllow, &r.Failures, &r.LastFailDeadline, &r.Soak, &r.Deadline, &r.Expire,
		&r.OnFailure, &r.Total, &r.NSkipped, &r.NPending, &r.NDelivered, &r.NSoaking, &r.NHealthy, &r.NFailed,
		&r.NExpired, &r.NCancelled, &r.NReverted, &r.NReverting)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(r.WavesJSON), &r.waves); err != nil {
		return r, fmt.Errorf("rollout %s: stored waves: %w", r.ID, err)
	}
	return r, nil
}

func (r roRow) view(openInWave, revertOpen int) rolloutView {
	return rolloutView{State: r.State, Wave: r.Wave, Waves: len(r.waves), OpenInWave: openInWave,
		InFlight: r.NDelivered + r.NSoaking, Failures: r.Failures - r.FailAllow, FailLimit: r.MaxFailures,
		OnFailure: r.OnFailure, LastFailDeadline: r.LastFailDeadline, RevertOpen: revertOpen}
}

func (r roRow) active() bool {
	return r.State == api.RolloutRunning || r.State == api.RolloutPaused || r.State == api.RolloutRollingBack
}

// getRollout reads one rollout on the writer.
func (s *Store) getRollout(id string) (roRow, error) {
	st, err := s.roStmts()
	if err != nil {
		return roRow{}, err
	}
	r, err := scanRO(st.get.QueryRow(id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w %q", ErrUnknownRollout, id)
	}
	if err != nil {
		return r, fmt.Errorf("read rollout %s: %w", id, err)
	}
	return r, nil
}

// putHost writes h and moves the rollout's counters from the state h had
// (from) to its new one. A host becoming failed spends one failure of the
// budget; deadline says the failure was a missed healthy deadline.
func (s *Store) putHost(t *txn, h rhRow, from string, deadline bool) error {
	st, err := s.roStmts()
	if err != nil {
		return err
	}
	h.Updated = t.now
	if _, err := st.hostPut.Exec(h.RolloutID, h.AgentSN, h.State, h.Active, h.JobID, h.DeliveredAt, h.ResultAt,
		h.SoakStart, h.Baseline, h.Changed, h.PrevSpec, h.Revert, h.RevertJob, h.Message, h.Updated); err != nil {
		return fmt.Errorf("update host %s of rollout %s: %w", h.AgentSN, h.RolloutID, err)
	}
	if from == h.State {
		return nil
	}
	if _, err := st.move.Exec(h.RolloutID, h.State, from, t.now); err != nil {
		return fmt.Errorf("count host %s of rollout %s: %w", h.AgentSN, h.RolloutID, err)
	}
	if h.State == api.HostFailed && from != api.HostFailed {
		if _, err := s.wconn.ExecContext(context.Background(), `UPDATE rollouts SET failures = failures + 1,
			last_fail_deadline = ? WHERE id = ?`, deadline, h.RolloutID); err != nil {
			return fmt.Errorf("count failure of rollout %s: %w", h.RolloutID, err)
		}
	}
	return nil
}

// pairQuery finds the active rollout holding a (host, agent) pair.
const pairQuery = `SELECT rollout_id FROM rollout_hosts WHERE agentsn = ? AND name = ? AND active = 1 LIMIT 1`

// prevJobQuery finds the last install or upgrade of an agent that
// succeeded on a host: what a rollback re-applies.
const prevJobQuery = `SELECT spec FROM jobs WHERE agentsn = ? AND name = ? AND state = 'succeeded'
	AND action IN ('install', 'upgrade') ORDER BY finished DESC, rowid DESC LIMIT 1`
