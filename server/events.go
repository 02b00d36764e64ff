package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bootagent/bootagent/api"
)

// Events arrive twice: in status reports (with their host) and pushed at
// once by POST /agent/events, which names no host unless the agent adds
// ?agentsn= or an X-Agentsn header. Each is stored once per (host, time,
// agent, type, message). A pushed event without a host is kept with host
// '' until a status report of its host carries it, which claims it; a
// pushed event already stored for some host is not stored again.

// AddEvents stores pushed events for agentsn ("" when the request did not say
// which host sent them). It returns how many were new.
func (s *Store) AddEvents(ctx context.Context, agentsn string, events []api.Event) (int, error) {
	if agentsn != "" {
		if err := validateAgentSN(agentsn); err != nil {
			return 0, err
		}
	}
	if err := validateEvents(events); err != nil {
		return 0, err
	}
	var added int
	err := s.write(ctx, true, func(t *txn) error {
		added = 0
		for _, e := range events {
			var n int
			var err error
			if agentsn == "" {
				n, err = s.hostlessEvent(t, e)
			} else {
				n, err = s.hostEvent(t, agentsn, e)
			}
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store %d events: %w", len(events), err)
	}
	return added, nil
}

// hostEvent stores one event of a known host, claiming a host-less copy
// pushed earlier.
func (s *Store) hostEvent(t *txn, agentsn string, e api.Event) (int, error) {
	res, err := t.st.eventClaim.Exec(agentsn, e.Time, e.Agent, e.Type, e.Message)
	if err != nil {
		return 0, fmt.Errorf("store event: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return 0, nil // logged when it was pushed
	}
	return s.insertEvent(t, agentsn, e)
}

func (s *Store) hostlessEvent(t *txn, e api.Event) (int, error) {
	var one int
	err := t.st.eventSeen.QueryRow(e.Time, e.Agent, e.Type, e.Message).Scan(&one)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store event: %w", err)
	}
	return s.insertEvent(t, "", e)
}

func (s *Store) insertEvent(t *txn, agentsn string, e api.Event) (int, error) {
	res, err := t.st.eventInsert.Exec(agentsn, e.Time, e.Agent, e.Type, e.Message, e.LogTail, t.now)
	if err != nil {
		return 0, fmt.Errorf("store event: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store event: %w", err)
	}
	if n > 0 {
		t.afterCommit(func() {
			s.newEvents.fire()
			s.log.Info("event", "agentsn", agentsn, "agent", e.Agent, "type", e.Type, "time", e.Time, "message", e.Message)
		})
	}
	return int(n), nil
}
