package desired

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"time"
)

// FileSource turns a directory of desired-state files (SPEC §4) into full
// snapshots. fsnotify only makes a re-read happen sooner; a periodic re-read
// catches whatever events missed (network file systems, overflows, symlink
// targets changing elsewhere).
type FileSource struct {
	Dir      string
	Rescan   time.Duration // periodic full re-read; default 30s
	Debounce time.Duration // quiet time after the last event before re-reading; default 50ms
	Logger   *slog.Logger
	// StateFile, when set, is where the last valid documents of each file
	// persist (statedir.DesiredFiles), so that they survive a daemon
	// restart. It may hold files of a previous Dir: they are kept until
	// Dir is readable. Empty: they live in memory only.
	StateFile string

	kickOnce sync.Once
	kick     chan struct{} // Reread requests; capacity 1 coalesces them
}

// NewFileSource returns a source for dir with the default timings.
func NewFileSource(dir string, logger *slog.Logger) *FileSource {
	return &FileSource{Dir: dir, Rescan: 30 * time.Second, Debounce: 50 * time.Millisecond, Logger: logger}
}

// Reread asks for a full re-read now (SIGHUP). It never blocks and is safe
// from any goroutine; requests made while one is pending coalesce.
func (s *FileSource) Reread() {
	select {
	case s.kickChan() <- struct{}{}:
	default:
	}
}

func (s *FileSource) kickChan() chan struct{} {
	s.kickOnce.Do(func() { s.kick = make(chan struct{}, 1) })
	return s.kick
}

// Run watches the directory until ctx is done. It sends the first snapshot
// as soon as the directory is read, then a new one after each re-read whose
// result differs from the last one sent. While the receiver is busy, newer
// snapshots replace the unsent one (newest wins, nothing queues up). Run
// does not close out, which other sources may share. Call Run once per
// FileSource.
func (s *FileSource) Run(ctx context.Context, out chan<- Snapshot) {
	log := s.logger().With("source", SourceFile, "dir", s.Dir)
	watch := newDirWatch(s.Dir, log)
	defer watch.close()
	store, scanner, storeProblem := s.openState(log)
	status := newScanLog(log, s.Dir)

	ticker := time.NewTicker(orDefault(s.Rescan, 30*time.Second))
	defer ticker.Stop()
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	debounceFor := orDefault(s.Debounce, 50*time.Millisecond)

	var (
		sent     Snapshot // last snapshot sent
		haveSent bool
		pending  Snapshot
		sendC    chan<- Snapshot // out while pending is unsent, else nil
	)
	reread := func() {
		watch.sync() // before reading, so changes after the read raise events
		snap, state := scanner.scan()
		if store != nil {
			if err := store.save(scanner.lastValid); err != nil {
				// Retried at the next re-read; until then a restart could
				// forget what the broken files keep running, so say so.
				snap.Problems = append(snap.Problems, Problem{File: s.StateFile, Msg: err.Error() + ": after a restart, the agents of invalid desired files may be removed"})
			}
		}
		if storeProblem != nil {
			snap.Problems = append(snap.Problems, *storeProblem)
		}
		status.observe(snap, state)
		if haveSent && reflect.DeepEqual(sent, snap) {
			sendC = nil // back to what the receiver has: nothing to send
			return
		}
		pending, sendC = snap, out
	}
	reread()
	events, errs := watch.events(), watch.errors()
	for {
		select {
		case <-ctx.Done():
			return
		case sendC <- pending:
			sent, haveSent, sendC = pending, true, nil
			log.Info("desired files read", "agents", len(pending.Docs), "problems", len(pending.Problems))
		case ev, ok := <-events:
			if !ok {
				events = nil
			} else if watch.relevant(ev) {
				debounce.Reset(debounceFor) // trailing edge: editors write in bursts
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// Typically an inotify queue overflow: events were lost, so
			// re-read everything.
			log.Warn("watching the desired directory", "err", err)
			debounce.Reset(debounceFor)
		case <-debounce.C:
			reread()
		case <-ticker.C:
			reread()
		case <-s.kickChan():
			reread()
		}
	}
}

// openState loads the documents a previous daemon persisted. A store that
// cannot be read is a problem shown for this source's life (the documents
// it held are lost, the file moved aside), not a reason to stop.
func (s *FileSource) openState(log *slog.Logger) (*fileStore, *fileScanner, *Problem) {
	if s.StateFile == "" {
		return nil, newFileScanner(s.Dir, nil), nil
	}
	store, last, err := loadFileStore(s.StateFile)
	if err != nil {
		log.Error("last valid desired documents lost", "err", err)
		return store, newFileScanner(s.Dir, last), &Problem{File: s.StateFile, Msg: err.Error()}
	}
	return store, newFileScanner(s.Dir, last), nil
}

func (s *FileSource) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
