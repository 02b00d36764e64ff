package api

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// JobLedger is the durable record of the jobs this agent has accepted,
// which makes jobs idempotent by id (SPEC §7): the server re-sends a job
// until it has its result, so a job seen again must not run again — while
// it runs (pending) nor after (done, its stored result is re-sent).
//
// On disk: one record file per job in dir, named by the SHA-256 of the id
// (ids come from the network and never become paths), holding a
// LedgerEntry; written crash-safely like the outbox. The newest
// LedgerOptions.MaxEntries jobs are kept; older finished ones are forgotten
// (the server stopped re-sending them long ago). Pending entries are never
// pruned.
//
// Safe for concurrent use.
type JobLedger struct {
	dir string
	max int
	log *slog.Logger

	mu      sync.Mutex
	entries map[string]LedgerEntry
	next    uint64
}

// Ledger entry states.
const (
	LedgerPending = "pending"
	LedgerDone    = "done"
)

// LedgerEntry is what the ledger knows of one job.
type LedgerEntry struct {
	ID       string    `json:"id"`
	Action   string    `json:"action,omitempty"`
	Name     string    `json:"name,omitempty"`
	State    string    `json:"state"` // LedgerPending or LedgerDone
	Result   JobResult `json:"result"`
	Began    int64     `json:"began,omitempty"` // Unix seconds
	Finished int64     `json:"finished,omitempty"`
	Seq      uint64    `json:"seq"` // acceptance order, for the bound
}

// DefaultLedgerMax is how many jobs the ledger remembers by default.
const DefaultLedgerMax = 10000

// LedgerOptions tune OpenJobLedger; the zero value is usable.
type LedgerOptions struct {
	MaxEntries int // default DefaultLedgerMax
	Logger     *slog.Logger
}

// OpenJobLedger opens (creating it if needed) the ledger in dir, recovering
// from a crash as OpenOutbox does: torn or damaged entries are logged and
// discarded, temporary files removed.
func OpenJobLedger(dir string, opts LedgerOptions) (*JobLedger, error) {
	l := &JobLedger{dir: dir, max: opts.MaxEntries, log: opts.Logger, entries: map[string]LedgerEntry{}, next: 1}
	if l.max <= 0 {
		l.max = DefaultLedgerMax
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("job ledger %s: %w", dir, err)
	}
	if err := removeTemps(dir); err != nil {
		return nil, fmt.Errorf("job ledger %s: %w", dir, err)
	}
	if err := l.load(); err != nil {
		return nil, err
	}
	l.prune()
	return l, nil
}

func (l *JobLedger) load() error {
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("job ledger %s: %w", l.dir, err)
	}
	for _, de := range ents {
		name := de.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(l.dir, name)
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("job ledger: %w", err)
		}
		var e LedgerEntry
		err = decodeRecord(data, &e)
		if err == nil && l.file(e.ID) != p {
			err = errors.New("file name does not match the job id")
		}
		if err != nil {
			l.log.Warn("job ledger: discarding unreadable entry", "file", p, "err", err)
			if err := os.Remove(p); err != nil {
				l.log.Error("job ledger: cannot remove unreadable entry", "file", p, "err", err)
			}
			continue
		}
		l.entries[e.ID] = e
		l.next = max(l.next, e.Seq+1)
	}
	return nil
}

// Begin records that job id is accepted and about to run. isNew is false
// when the id is already known (pending or done): the caller must not run
// it again, and re-sends Seen's result if there is one. On error nothing is
// recorded and the job should not run, since a crash could then run it
// twice. After a restart, Pending lists the jobs that were running.
func (l *JobLedger) Begin(id, action, name string) (isNew bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.entries[id]; ok {
		return false, nil
	}
	e := LedgerEntry{ID: id, Action: action, Name: name, State: LedgerPending, Began: time.Now().Unix(), Seq: l.next}
	if err := l.write(e); err != nil {
		return false, err
	}
	l.next++
	l.entries[id] = e
	l.prune()
	return true, nil
}

// Finish stores a job's result, once its outcome is observed, before the
// result is queued for the server: from then on a re-sent job gets this
// result back. A job never begun is recorded too.
func (l *JobLedger) Finish(r JobResult) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[r.ID]
	if !ok {
		e = LedgerEntry{ID: r.ID, Began: time.Now().Unix(), Seq: l.next}
	}
	e.State, e.Result, e.Finished = LedgerDone, r, time.Now().Unix()
	if err := l.write(e); err != nil {
		return err
	}
	if !ok {
		l.next++
	}
	l.entries[r.ID] = e
	l.prune()
	return nil
}

// Seen returns the stored result of a finished job.
func (l *JobLedger) Seen(id string) (JobResult, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[id]
	if !ok || e.State != LedgerDone {
		return JobResult{}, false
	}
	return e.Result, true
}

// Get returns everything the ledger knows of a job, pending or done.
func (l *JobLedger) Get(id string) (LedgerEntry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[id]
	return e, ok
}

// Pending lists the jobs begun and not finished, oldest first: after a
// restart these were interrupted, and their outcome must still be judged
// and finished, or the server would never get a result for them.
func (l *JobLedger) Pending() []LedgerEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []LedgerEntry
	for _, e := range l.entries {
		if e.State == LedgerPending {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b LedgerEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// Len is the number of jobs remembered.
func (l *JobLedger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *JobLedger) write(e LedgerEntry) error {
	data, err := encodeRecord(e)
	if err != nil {
		return fmt.Errorf("job ledger %s: job %s: %w", l.dir, e.ID, err)
	}
	if err := writeFileAtomic(l.file(e.ID), data, 0o600); err != nil {
		return fmt.Errorf("job ledger: job %s: %w", e.ID, err)
	}
	return nil
}

func (l *JobLedger) file(id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(l.dir, hex.EncodeToString(sum[:])+".json")
}

// prune forgets the oldest finished jobs beyond the bound. A removal lost
// to a crash only means the entry is pruned again at the next start.
// Called with mu held (or before the ledger is shared).
func (l *JobLedger) prune() {
	if len(l.entries) <= l.max {
		return
	}
	var done []LedgerEntry
	for _, e := range l.entries {
		if e.State == LedgerDone {
			done = append(done, e)
		}
	}
	slices.SortFunc(done, func(a, b LedgerEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, e := range done[:min(len(done), len(l.entries)-l.max)] {
		if err := os.Remove(l.file(e.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Error("job ledger: cannot forget old job", "job", e.ID, "err", err)
			continue
		}
		delete(l.entries, e.ID)
	}
}
