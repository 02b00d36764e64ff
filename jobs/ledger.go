package jobs

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

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/atomicfile"
)

// Ledger is the durable record of the jobs this agent has accepted: the
// whole job and where its lifecycle stands (Entry). It makes jobs
// idempotent by id (SPEC §7), and lets a job a crash interrupted resume.
//
// On disk: one record file per job in dir (atomicfile.EncodeRecord), named
// by the SHA-256 of the id (ids come from the network and never become
// paths), written crash-safely. The newest LedgerOptions.MaxEntries jobs
// are kept; older reported ones are forgotten (the server stopped sending
// them long ago). Unreported entries are never pruned.
//
// Safe for concurrent use.
type Ledger struct {
	dir string
	max int
	log *slog.Logger

	mu      sync.Mutex
	entries map[string]Entry
	next    uint64
}

// DefaultLedgerMax is how many jobs the ledger remembers by default.
const DefaultLedgerMax = 10000

// LedgerOptions tune OpenLedger; the zero value is usable.
type LedgerOptions struct {
	MaxEntries int // default DefaultLedgerMax
	Logger     *slog.Logger
}

// OpenStateLedger opens <stateDir>/jobs with the default bound.
func OpenStateLedger(stateDir string, log *slog.Logger) (*Ledger, error) {
	return OpenLedger(filepath.Join(stateDir, "jobs"), LedgerOptions{Logger: log})
}

// OpenLedger opens (creating it if needed) the ledger in dir, recovering
// from a crash: torn or damaged entries are logged and discarded,
// temporary files removed.
func OpenLedger(dir string, opts LedgerOptions) (*Ledger, error) {
	l := &Ledger{dir: dir, max: opts.MaxEntries, log: opts.Logger, entries: map[string]Entry{}, next: 1}
	if l.max <= 0 {
		l.max = DefaultLedgerMax
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("job ledger %s: %w", dir, err)
	}
	if err := atomicfile.RemoveTemps(dir); err != nil {
		return nil, fmt.Errorf("job ledger %s: %w", dir, err)
	}
	if err := l.load(); err != nil {
		return nil, err
	}
	l.prune()
	return l, nil
}

func (l *Ledger) load() error {
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
		var d diskEntry
		err = atomicfile.DecodeRecord(data, &d)
		e := d.entry()
		if err == nil && l.file(e.ID()) != p {
			err = errors.New("file name does not match the job id")
		}
		if err != nil {
			l.log.Warn("job ledger: discarding unreadable entry", "file", p, "err", err)
			if err := os.Remove(p); err != nil {
				l.log.Error("job ledger: cannot remove unreadable entry", "file", p, "err", err)
			}
			continue
		}
		l.entries[e.ID()] = e
		l.next = max(l.next, e.Seq+1)
	}
	return nil
}

// diskEntry reads entries written by this version and by the ones before,
// whose entry held only id, action and name, in state pending or done.
type diskEntry struct {
	Entry
	ID     string `json:"id"`
	Action string `json:"action"`
	Name   string `json:"name"`
	Began  int64  `json:"began"`
}

func (d diskEntry) entry() Entry {
	e := d.Entry
	if e.Job.ID != "" || d.ID == "" {
		return e
	}
	e.Job = api.Job{ID: d.ID, Action: d.Action, Name: d.Name}
	e.TakenAt = time.Unix(d.Began, 0)
	switch e.State {
	case "done":
		e.State = Reported // its result went to the outbox long ago
	default:
		// Re-applied at start: enough for every action but install and
		// upgrade, whose url is gone, and which then fail saying so.
		e.State = Taken
	}
	return e
}

// Get returns what the ledger knows of a job.
func (l *Ledger) Get(id string) (Entry, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[id]
	return e, ok
}

// Put records e durably (its Seq is given on first record) and returns it
// as recorded. On error nothing changes, on disk or in memory.
func (l *Ledger) Put(e Entry) (Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old, known := l.entries[e.ID()]
	if known {
		e.Seq = old.Seq
	} else {
		e.Seq = l.next
	}
	data, err := atomicfile.EncodeRecord(e)
	if err != nil {
		return e, fmt.Errorf("job ledger %s: job %s: %w", l.dir, e.ID(), err)
	}
	if err := atomicfile.WriteFile(l.file(e.ID()), data, 0o600); err != nil {
		return e, fmt.Errorf("job ledger: job %s: %w", e.ID(), err)
	}
	if !known {
		l.next++
	}
	l.entries[e.ID()] = e
	l.prune()
	return e, nil
}

// Entries lists every job remembered, oldest first.
func (l *Ledger) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sorted(func(Entry) bool { return true })
}

// Unfinished lists the jobs not judged yet, oldest first.
func (l *Ledger) Unfinished() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sorted(func(e Entry) bool { return !e.State.Final() })
}

// Len is the number of jobs remembered.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *Ledger) sorted(keep func(Entry) bool) []Entry {
	var out []Entry
	for _, e := range l.entries {
		if keep(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

func (l *Ledger) file(id string) string {
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(l.dir, hex.EncodeToString(sum[:])+".json")
}

// prune forgets the oldest reported jobs beyond the bound. A removal lost
// to a crash only means the entry is pruned again at the next start.
// Called with mu held (or before the ledger is shared).
func (l *Ledger) prune() {
	if len(l.entries) <= l.max {
		return
	}
	done := l.sorted(func(e Entry) bool { return e.State == Reported })
	for _, e := range done[:min(len(done), len(l.entries)-l.max)] {
		if err := os.Remove(l.file(e.ID())); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Error("job ledger: cannot forget old job", "job", e.ID(), "err", err)
			continue
		}
		delete(l.entries, e.ID())
	}
}
