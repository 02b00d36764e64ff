package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Retention says how long the store keeps what grows without end. Zero
// fields keep forever. Hosts and open jobs are never pruned: a queued or
// delivered job is delivered until its result arrives, however old it is.
type Retention struct {
	// Events received longer ago than this are deleted.
	Events time.Duration
	// EventsPerHost keeps at most this many events per host, the newest.
	EventsPerHost int
	// Jobs finished (succeeded or failed) longer ago than this are
	// deleted, and so are results received longer ago.
	Jobs time.Duration
	// Batch bounds the rows one write deletes, so pruning a large backlog
	// never holds the writer (and every request waiting on it) for long;
	// default pruneBatch.
	Batch int
}

// pruneBatch rows take a few milliseconds to delete: a status report
// queued behind one batch barely notices it.
const pruneBatch = 500

// Enabled reports whether r prunes anything.
func (r Retention) Enabled() bool { return r.Events > 0 || r.EventsPerHost > 0 || r.Jobs > 0 }

// Pruned counts what one Prune deleted.
type Pruned struct {
	Events, Jobs, Results int
}

func (p Pruned) any() bool { return p.Events+p.Jobs+p.Results > 0 }

// Prune deletes what r no longer keeps, in batches of r.Batch rows, each
// its own write: other writes queued meanwhile go in between, so the
// database is never locked for longer than one batch. The writes are not
// fsynced on their own: a deletion lost to a crash is redone next time.
func (s *Store) Prune(ctx context.Context, r Retention) (Pruned, error) {
	batch := r.Batch
	if batch <= 0 {
		batch = pruneBatch
	}
	var p Pruned
	var err error
	if r.Events > 0 {
		cutoff := func(t *txn) int64 { return t.now - seconds(r.Events) }
		if p.Events, err = s.pruneAll(ctx, batch, func(t *txn, n int) (sql.Result, error) {
			return t.st.pruneEvents.Exec(cutoff(t), n)
		}); err != nil {
			return p, fmt.Errorf("prune events older than %v: %w", r.Events, err)
		}
	}
	if r.EventsPerHost > 0 {
		n, err := s.pruneEventsPerHost(ctx, r.EventsPerHost, batch)
		p.Events += n
		if err != nil {
			return p, fmt.Errorf("prune events beyond %d per host: %w", r.EventsPerHost, err)
		}
	}
	if r.Jobs > 0 {
		cutoff := func(t *txn) int64 { return t.now - seconds(r.Jobs) }
		if p.Jobs, err = s.pruneAll(ctx, batch, func(t *txn, n int) (sql.Result, error) {
			return t.st.pruneJobs.Exec(cutoff(t), n)
		}); err != nil {
			return p, fmt.Errorf("prune jobs finished more than %v ago: %w", r.Jobs, err)
		}
		if p.Results, err = s.pruneAll(ctx, batch, func(t *txn, n int) (sql.Result, error) {
			return t.st.pruneResults.Exec(cutoff(t), n)
		}); err != nil {
			return p, fmt.Errorf("prune results older than %v: %w", r.Jobs, err)
		}
	}
	return p, nil
}

// pruneAll runs del (deleting at most n rows) as writes until one deletes
// fewer than n.
func (s *Store) pruneAll(ctx context.Context, n int, del func(t *txn, n int) (sql.Result, error)) (int, error) {
	total := 0
	for {
		var deleted int64
		err := s.write(ctx, false, func(t *txn) error {
			res, err := del(t, n)
			if err != nil {
				return err
			}
			deleted, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += int(deleted)
		if deleted < int64(n) {
			return total, nil
		}
	}
}

// pruneEventsPerHost finds the hosts over max on the read pool (a scan of
// the events_host index that must not hold the writer), then deletes each
// one's oldest events in batches.
func (s *Store) pruneEventsPerHost(ctx context.Context, max, batch int) (int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT agentsn FROM events GROUP BY agentsn HAVING count(*) > ?`, max)
	if err != nil {
		return 0, err
	}
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return 0, err
		}
		hosts = append(hosts, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	total := 0
	for _, h := range hosts {
		// The newest event beyond the max-th newest; it and those before go.
		var last int64
		err := s.rdb.QueryRowContext(ctx, `SELECT id FROM events WHERE agentsn = ? ORDER BY id DESC LIMIT 1 OFFSET ?`,
			h, max).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			continue // pruned meanwhile
		}
		if err != nil {
			return total, err
		}
		n, err := s.pruneAll(ctx, batch, func(t *txn, n int) (sql.Result, error) {
			return t.st.pruneHostEvents.Exec(h, last, n)
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("host %q: %w", h, err)
		}
	}
	return total, nil
}

// RunRetention prunes by r at once and then every interval until ctx ends.
// Failures are logged and retried at the next round.
func (s *Store) RunRetention(ctx context.Context, r Retention, every time.Duration) {
	if !r.Enabled() || every <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		start := time.Now()
		p, err := s.Prune(ctx, r)
		if p.any() {
			s.log.Info("pruned old records", "db", s.path, "events", p.Events, "jobs", p.Jobs, "results", p.Results,
				"took", time.Since(start).Round(time.Millisecond))
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("pruning old records failed", "db", s.path, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }
