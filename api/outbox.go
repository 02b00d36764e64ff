package api

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
)

// Outbox is a durable FIFO queue of items waiting for the server: job
// results and events (SPEC §7: stored durably before the attempt, re-sent
// until the server answers errcode 0, across outages and restarts).
//
// On disk it is one directory, one file per item, named by a sequence
// number (00000000000000000001.json, ...) that orders the queue across
// restarts; each file is a record (see encodeRecord) written crash-safely
// (writeFileAtomic). Only the sequence numbers are held in memory.
//
// Safe for concurrent use; the usual shape is producers calling Add and one
// sender loop waiting on Notify, then Peek, send, Done.
type Outbox[T any] struct {
	dir    string
	max    int
	log    *slog.Logger
	notify chan struct{}

	mu     sync.Mutex
	seqs   []uint64 // items on disk, oldest first
	next   uint64
	closed bool
	onAck  func([]T)
}

// OutboxAck identifies exactly the items one Peek returned.
type OutboxAck struct{ seqs []uint64 }

// Len is the number of items acknowledged.
func (a OutboxAck) Len() int { return len(a.seqs) }

// Oldest is the ack of only the first n items of a's Peek (all if n is
// larger): what a sender that sent only part of them may remove.
func (a OutboxAck) Oldest(n int) OutboxAck {
	return OutboxAck{seqs: a.seqs[:min(max(n, 0), len(a.seqs))]}
}

// Newest is the ack of only the last n items of a's Peek (all if n is
// larger).
func (a OutboxAck) Newest(n int) OutboxAck {
	return OutboxAck{seqs: a.seqs[len(a.seqs)-min(max(n, 0), len(a.seqs)):]}
}

// ErrOutboxClosed is returned by an Outbox after Close.
var ErrOutboxClosed = errors.New("outbox closed")

// OutboxOption configures OpenOutbox.
type OutboxOption func(*outboxConfig)

type outboxConfig struct {
	max int
	log *slog.Logger
}

// OutboxMaxItems bounds the queue to n items (n <= 0: unbounded, the
// default). When full, Add drops the oldest item to make room. Bound event
// queues (a crash-looping agent must not fill the disk during a long
// outage); never bound result queues: each result is the only record of a
// job's outcome, and there are never more than the jobs a server sent.
func OutboxMaxItems(n int) OutboxOption { return func(c *outboxConfig) { c.max = n } }

// OutboxLogger sets where discarded files and dropped items are logged.
func OutboxLogger(l *slog.Logger) OutboxOption { return func(c *outboxConfig) { c.log = l } }

// OpenOutbox opens (creating it if needed) the queue in dir. It recovers
// from a crash at any instant: complete items are kept in order, files a
// crash tore or the disk damaged are logged and discarded, unfinished
// temporary files removed. Only I/O errors on the directory itself fail it.
func OpenOutbox[T any](dir string, opts ...OutboxOption) (*Outbox[T], error) {
	cfg := outboxConfig{log: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	if err := removeTemps(dir); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	o := &Outbox[T]{dir: dir, max: cfg.max, log: cfg.log, notify: make(chan struct{}, 1), next: 1}
	if err := o.load(); err != nil {
		return nil, err
	}
	if len(o.seqs) > 0 {
		o.next = o.seqs[len(o.seqs)-1] + 1
	}
	o.dropOverflow()
	return o, nil
}

// load indexes the items on disk, checking each one decodes.
func (o *Outbox[T]) load() error {
	ents, err := os.ReadDir(o.dir)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", o.dir, err)
	}
	for _, e := range ents {
		seq, ok := parseOutboxName(e.Name())
		if !ok {
			continue // not ours: leave it alone
		}
		if _, err := o.read(seq); err != nil {
			if errors.Is(err, errCorruptItem) {
				o.discard(seq, err)
				continue
			}
			return err
		}
		o.seqs = append(o.seqs, seq)
	}
	slices.Sort(o.seqs)
	return nil
}

// Add queues item; it is on disk, fsynced, when Add returns nil.
func (o *Outbox[T]) Add(item T) error {
	data, err := encodeRecord(item)
	if err != nil {
		return fmt.Errorf("outbox %s: encode: %w", o.dir, err)
	}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return fmt.Errorf("outbox %s: %w", o.dir, ErrOutboxClosed)
	}
	seq := o.next
	o.next++
	if err := writeFileAtomic(o.path(seq), data, 0o600); err != nil {
		o.mu.Unlock()
		return fmt.Errorf("outbox %s: %w", o.dir, err)
	}
	o.seqs = append(o.seqs, seq)
	o.dropOverflow()
	o.mu.Unlock()
	select {
	case o.notify <- struct{}{}:
	default: // a signal is already pending; the sender will see this item too
	}
	return nil
}

// Peek returns the oldest items, at most max (max <= 0: all), and the ack
// that removes exactly them. An item whose file has gone bad is discarded
// rather than blocking the queue for ever.
func (o *Outbox[T]) Peek(max int) ([]T, OutboxAck, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, OutboxAck{}, fmt.Errorf("outbox %s: %w", o.dir, ErrOutboxClosed)
	}
	var items []T
	var ack OutboxAck
	for i := 0; i < len(o.seqs) && (max <= 0 || len(items) < max); {
		seq := o.seqs[i]
		item, err := o.read(seq)
		switch {
		case errors.Is(err, errCorruptItem) || errors.Is(err, os.ErrNotExist):
			o.discard(seq, err)
			o.seqs = slices.Delete(o.seqs, i, i+1)
			continue
		case err != nil:
			return nil, OutboxAck{}, err
		}
		items = append(items, item)
		ack.seqs = append(ack.seqs, seq)
		i++
	}
	return items, ack, nil
}

// OnAck makes Done hand f the items it acknowledges before removing them,
// so that whoever must remember "the server has it" (the job ledger)
// records it while the items can still be re-sent. f is called without
// the outbox's lock held (it may Add). Set it before the outbox is shared.
func (o *Outbox[T]) OnAck(f func([]T)) { o.onAck = f }

// Done removes the acknowledged items: call it only once the server has
// answered errcode 0 for them. Items already gone (dropped by the bound)
// are skipped. A crash before the removal reaches the disk re-sends them,
// which the server tolerates (jobs by id; events are reports).
func (o *Outbox[T]) Done(ack OutboxAck) error {
	if o.onAck != nil {
		o.onAck(o.items(ack))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return fmt.Errorf("outbox %s: %w", o.dir, ErrOutboxClosed)
	}
	acked := map[uint64]bool{}
	for _, s := range ack.seqs {
		acked[s] = true
	}
	var errs []error
	o.seqs = slices.DeleteFunc(o.seqs, func(seq uint64) bool {
		if !acked[seq] {
			return false
		}
		if err := os.Remove(o.path(seq)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("outbox: %w", err))
			return false // still on disk: keep it indexed so it is not lost
		}
		return true
	})
	if err := syncDir(o.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// items reads the acknowledged items still on disk.
func (o *Outbox[T]) items(ack OutboxAck) []T {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []T
	for _, seq := range ack.seqs {
		if item, err := o.read(seq); err == nil {
			out = append(out, item)
		}
	}
	return out
}

// Len is the number of items queued.
func (o *Outbox[T]) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.seqs)
}

// Notify is signalled (buffered, once per burst) whenever Add queues an
// item, so a sender loop can sleep instead of polling.
func (o *Outbox[T]) Notify() <-chan struct{} { return o.notify }

// Close makes every later call fail; what is on disk stays for the next
// OpenOutbox. Nothing is buffered, so there is nothing to flush.
func (o *Outbox[T]) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	return nil
}

// errCorruptItem marks an item file that can never be read.
var errCorruptItem = errors.New("corrupt outbox item")

func (o *Outbox[T]) read(seq uint64) (T, error) {
	var item T
	p := o.path(seq)
	data, err := os.ReadFile(p)
	if err != nil {
		return item, fmt.Errorf("outbox: %w", err)
	}
	if err := decodeRecord(data, &item); err != nil {
		return item, fmt.Errorf("outbox %s: %w: %w", p, errCorruptItem, err)
	}
	return item, nil
}

// discard removes an unreadable item; it is logged because it is a loss.
func (o *Outbox[T]) discard(seq uint64, why error) {
	o.log.Warn("outbox: discarding unreadable item", "file", o.path(seq), "err", why)
	if err := os.Remove(o.path(seq)); err != nil && !errors.Is(err, os.ErrNotExist) {
		o.log.Error("outbox: cannot remove unreadable item", "file", o.path(seq), "err", err)
	}
}

// dropOverflow enforces the bound by dropping the oldest items. Called
// with mu held (or before the outbox is shared).
func (o *Outbox[T]) dropOverflow() {
	if o.max <= 0 || len(o.seqs) <= o.max {
		return
	}
	n := len(o.seqs) - o.max
	for _, seq := range o.seqs[:n] {
		if err := os.Remove(o.path(seq)); err != nil && !errors.Is(err, os.ErrNotExist) {
			o.log.Error("outbox: cannot remove dropped item", "file", o.path(seq), "err", err)
		}
	}
	o.seqs = slices.Delete(o.seqs, 0, n)
	o.log.Warn("outbox full: dropped the oldest items", "dir", o.dir, "dropped", n, "max", o.max)
}

const outboxNameLen = 20 + len(".json")

func (o *Outbox[T]) path(seq uint64) string {
	return filepath.Join(o.dir, fmt.Sprintf("%020d.json", seq))
}

func parseOutboxName(name string) (uint64, bool) {
	if len(name) != outboxNameLen || filepath.Ext(name) != ".json" {
		return 0, false
	}
	seq, err := strconv.ParseUint(name[:20], 10, 64)
	return seq, err == nil && seq > 0
}
