package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	getter "github.com/hashicorp/go-getter/v2"
)

// Store is the package store of one state directory:
// <stateDir>/packages/NAME/VERSION holds installed versions and
// <stateDir>/tmp everything not finished yet.
//
// All methods are safe for concurrent use. Operations on one agent name are
// serialised; different names proceed in parallel, with at most
// Options.MaxConcurrent downloads at once. Only one Store (one process) may
// use a state directory: NewStore empties its tmp.
type Store struct {
	pkgDir string
	tmpDir string
	opts   Options
	log    *slog.Logger
	client *getter.Client

	slots   chan struct{} // one token per running download
	waiting atomic.Int32  // callers waiting for a slot (observed by tests)

	mu    sync.Mutex
	locks map[string]*nameLock
}

// nameLock serialises the operations on one agent. It is a channel, not a
// mutex, so that waiting for it can be abandoned when a context ends.
type nameLock struct {
	ch   chan struct{}
	refs int
}

// NewStore opens the store under stateDir, creating <stateDir>/packages and
// <stateDir>/tmp, and removes whatever a crash or a full disk left in tmp:
// nothing there was ever a complete, visible version.
func NewStore(stateDir string, opts Options) (*Store, error) {
	if stateDir == "" {
		return nil, errors.New("fetch: empty state directory")
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	opts = opts.withDefaults()
	s := &Store{
		pkgDir: filepath.Join(abs, "packages"),
		tmpDir: filepath.Join(abs, "tmp"),
		opts:   opts,
		log:    opts.Logger,
		client: newClient(opts.HTTPClient),
		slots:  make(chan struct{}, opts.MaxConcurrent),
		locks:  map[string]*nameLock{},
	}
	if err := os.MkdirAll(s.pkgDir, 0o755); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if err := os.MkdirAll(s.tmpDir, 0o700); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	if err := s.cleanTmp(); err != nil {
		return nil, fmt.Errorf("fetch: clean %s: %w", s.tmpDir, err)
	}
	return s, nil
}

func (s *Store) cleanTmp() error {
	entries, err := os.ReadDir(s.tmpDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(s.tmpDir, e.Name())); err != nil {
			return err
		}
	}
	if len(entries) > 0 {
		s.log.Info("removed unfinished downloads", "dir", s.tmpDir, "count", len(entries))
	}
	return nil
}

// lockName takes the lock of one agent name, or gives up when ctx ends.
func (s *Store) lockName(ctx context.Context, name string) (unlock func(), err error) {
	s.mu.Lock()
	l := s.locks[name]
	if l == nil {
		l = &nameLock{ch: make(chan struct{}, 1)}
		s.locks[name] = l
	}
	l.refs++
	s.mu.Unlock()

	drop := func() {
		s.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(s.locks, name)
		}
		s.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; drop() }, nil
	case <-ctx.Done():
		drop()
		return nil, ctx.Err()
	}
}

func (s *Store) agentDir(name string) string { return filepath.Join(s.pkgDir, name) }

// trash moves path out of the store and deletes it. The move is one atomic
// rename, so the store never shows a half-removed version; a crash before
// the deletion leaves it in tmp, where the next NewStore removes it.
func (s *Store) trash(path string) error {
	aside, err := s.moveAside(path)
	if err != nil {
		return err
	}
	if err := syncPath(filepath.Dir(path)); err != nil {
		return err
	}
	return os.RemoveAll(aside)
}

// moveAside renames path into a new directory in tmp and returns that
// directory.
func (s *Store) moveAside(path string) (string, error) {
	dir, err := os.MkdirTemp(s.tmpDir, "removed-")
	if err != nil {
		return "", err
	}
	if err := os.Rename(path, filepath.Join(dir, filepath.Base(path))); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}
