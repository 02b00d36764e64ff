package server

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The WAL is folded back into the database file by a checkpointer of its
// own, on its own connection, so the writer never pays for it (copying
// pages and fsyncing the database file) while requests wait on a commit.
// It runs only after commits, at most every checkpointEvery: an idle
// server does nothing.

const (
	checkpointEvery = 250 * time.Millisecond
	// walSafetyNet is the writer's own auto-checkpoint threshold (pages).
	// Under constant load the WAL never empties between two commits, so
	// the background checkpoint cannot restart it; the writer's checkpoint
	// then finds nearly every frame already copied, and restarts the WAL
	// cheaply. It bounds the WAL to about 16 MB.
	walSafetyNet = 4000
)

func (s *Store) openCheckpointer() error {
	db, err := sql.Open("sqlite", dsn(s.path, "synchronous(FULL)"))
	if err != nil {
		return fmt.Errorf("open database %s for checkpoints: %w", s.path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return fmt.Errorf("open database %s for checkpoints: %w", s.path, err)
	}
	s.cdb = db
	s.ckpt = make(chan struct{}, 1)
	s.ckptDone = make(chan struct{})
	s.ckptQuit = make(chan struct{})
	go s.runCheckpointer()
	return nil
}

// checkpointSoon asks for a checkpoint without waiting; called by the
// writer after each commit.
func (s *Store) checkpointSoon() {
	select {
	case s.ckpt <- struct{}{}:
	default:
	}
}

func (s *Store) runCheckpointer() {
	defer close(s.ckptDone)
	for range s.ckpt {
		if _, err := s.cdb.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			s.log.Warn("database checkpoint failed", "db", s.path, "err", err)
		}
		select {
		case <-time.After(checkpointEvery):
		case <-s.ckptQuit:
			return // Close checkpoints one last time itself
		}
	}
}

// stopCheckpointer ends the checkpointer once the writer has stopped.
func (s *Store) stopCheckpointer() error {
	close(s.ckptQuit)
	close(s.ckpt)
	<-s.ckptDone
	return s.cdb.Close()
}
