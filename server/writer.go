package server

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// op is one write. fn runs on the writer goroutine inside the batch's
// transaction, under its own savepoint: when it fails only its changes are
// undone and the rest of the batch commits. done receives the outcome once
// the batch is durably committed (or has failed).
type op struct {
	fn      func(*txn) error
	durable bool // its answer promises the change survives a crash
	done    chan error
}

// txn is what an op sees: prepared statements on the writer's connection
// inside an open transaction, the batch's clock, and a place to put the log
// lines that may only be written once the change is committed.
type txn struct {
	st     *stmts
	now    int64
	logs   []func()
	synced bool // this batch's commit is fsynced (some op in it is durable)
}

// afterCommit queues a log line (or other side effect) for when the batch
// has committed; it is dropped if the op or the batch fails.
func (t *txn) afterCommit(f func()) { t.logs = append(t.logs, f) }

// write submits fn to the writer and waits for its commit. A durable write
// is answered only once its commit is fsynced (results, events, new jobs:
// what an answer promises is stored); the others (status reports, whose
// loss a crash makes harmless: the next report restores them) skip the
// fsync. Ordering keeps this safe: a later fsync covers earlier commits
// too. It never blocks
// on a full queue: that is ErrBusy, so an overloaded server sheds load
// instead of stacking goroutines. When ctx ends first the op may still
// commit later; every op is idempotent or harmless to repeat.
func (s *Store) write(ctx context.Context, durable bool, fn func(*txn) error) error {
	o := &op{fn: fn, durable: durable, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.ops <- o:
	default:
		s.mu.RUnlock()
		return ErrBusy
	}
	s.mu.RUnlock()
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runWriter is the writer goroutine: it takes every op waiting (up to
// maxBatch) and commits them in one transaction, so one fsync serves many
// requests; while it commits, the next batch queues up. It returns once
// Close has closed the queue and the queue is drained.
func (s *Store) runWriter() {
	defer close(s.stopped)
	batch := make([]*op, 0, s.maxBatch)
	for first := range s.ops {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.maxBatch {
			select {
			case o, ok := <-s.ops:
				if !ok {
					break fill
				}
				batch = append(batch, o)
			default:
				break fill
			}
		}
		s.commitBatch(batch)
		clear(batch)
	}
}

func (s *Store) commitBatch(batch []*op) {
	start := time.Now()
	t := &txn{st: s.st, now: s.unix()}
	errs := make([]error, len(batch))
	t.synced = slices.ContainsFunc(batch, func(o *op) bool { return o.durable })
	err := s.setSync(t.synced)
	if err == nil {
		err = s.runBatch(t, batch, errs)
	}
	if err == nil {
		if err = exec(s.st.commit); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}
	if err != nil {
		if _, rerr := s.st.rollback.Exec(); rerr != nil {
			s.log.Error("database rollback failed", "db", s.path, "err", rerr)
		}
		s.log.Error("database write failed", "db", s.path, "batch", len(batch), "err", err)
		for i := range errs {
			errs[i] = err
		}
	} else {
		s.checkpointSoon()
		for _, f := range t.logs {
			f()
		}
	}
	// Counted before anyone hears back: a caller that reads Stats after
	// its write returned must see that write counted.
	s.stats.batches.Add(1)
	if t.synced && err == nil {
		s.stats.synced.Add(1)
	}
	s.stats.ops.Add(int64(len(batch)))
	s.stats.busy.Add(int64(time.Since(start)))
	for i, o := range batch {
		o.done <- errs[i]
	}
}

// setSync sets how the next commit is synced: FULL fsyncs the WAL before
// COMMIT returns, NORMAL leaves it to the next FULL commit or checkpoint.
// The setting can only change between transactions.
func (s *Store) setSync(durable bool) error {
	if durable == s.syncFull {
		return nil
	}
	st := s.st.syncNormal
	if durable {
		st = s.st.syncFull
	}
	if err := exec(st); err != nil {
		return fmt.Errorf("set synchronous: %w", err)
	}
	s.syncFull = durable
	return nil
}

// runBatch runs each op under a savepoint. It returns an error only when
// the transaction itself is unusable; an op's own failure goes to errs.
func (s *Store) runBatch(t *txn, batch []*op, errs []error) error {
	if err := exec(s.st.begin); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	for i, o := range batch {
		if err := exec(s.st.savepoint); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		nlogs := len(t.logs)
		if err := runOp(o, t); err != nil {
			errs[i] = err
			t.logs = t.logs[:nlogs]
			if err := exec(s.st.rollbackTo); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if err := exec(s.st.release); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	return nil
}

// runOp runs o.fn, turning a panic into an error: a bug in one request's
// handling must not stop the writer, which every other request waits on.
func runOp(o *op, t *txn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return o.fn(t)
}

func exec(st *sql.Stmt, args ...any) error {
	_, err := st.Exec(args...)
	return err
}

// Stats are the writer's counters since Open.
type Stats struct {
	Batches int64         // transactions committed (or failed)
	Synced  int64         // of them, committed with an fsync (durable)
	Writes  int64         // ops in them
	Busy    time.Duration // time the writer spent running batches
}

type writerStats struct {
	batches, ops, busy, synced atomic.Int64
}

// Stats returns the writer's counters: Writes/Batches is the average group
// commit size, Busy over wall time the writer's load.
func (s *Store) Stats() Stats {
	return Stats{Batches: s.stats.batches.Load(), Synced: s.stats.synced.Load(), Writes: s.stats.ops.Load(), Busy: time.Duration(s.stats.busy.Load())}
}
