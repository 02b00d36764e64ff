package server

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/bootagent/bootagent/api"
)

// A database of schema 2 (before operator tokens) opens with its jobs
// intact, recorded as made by no token, and no token that would let anyone
// in.
func TestMigrationToTokensKeepsJobs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootserver.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], migrations[1], "PRAGMA user_version = 2",
		`INSERT INTO hosts (agentsn, hostname, first_seen, last_seen) VALUES ('sn', 'web', 1, 1)`,
		`INSERT INTO jobs (id, agentsn, action, name, spec, state, created)
			VALUES ('j1', 'sn', 'stop', 'A', '{"id":"j1","action":"stop","name":"A"}', 'queued', 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", firstLine(q), err)
		}
	}
	db.Close()

	s := openStoreAt(t, path, newClock())
	defer s.Close()
	if j := job(t, s, "j1"); j.State != api.JobQueued || j.TokenID != "" || j.Action != "stop" {
		t.Fatalf("old job after migration: %+v", j)
	}
	if toks, err := s.AdminTokens(ctx(t)); err != nil || len(toks) != 0 {
		t.Fatalf("tokens after migration: %+v, %v", toks, err)
	}
	tok := adminToken(t, s, api.RoleAdmin)
	if j := addJobAs(t, s, installReq("web", "B"), tok.ID); j.TokenID != tok.ID {
		t.Fatalf("new job token_id %q", j.TokenID)
	}
}

func TestRevokeIsImmediateAndOnce(t *testing.T) {
	s, clk := openStore(t)
	tok := adminToken(t, s, api.RoleRead)
	if who, err := s.Authenticate(ctx(t), tok.Token); err != nil || who.ID != tok.ID || who.Role != api.RoleRead {
		t.Fatalf("Authenticate = %+v, %v", who, err)
	}
	first, err := s.RevokeAdminToken(ctx(t), tok.ID)
	if err != nil || first.Revoked == 0 {
		t.Fatalf("revoke: %+v, %v", first, err)
	}
	clk.Advance(time.Hour)
	again, err := s.RevokeAdminToken(ctx(t), tok.ID)
	if err != nil || again.Revoked != first.Revoked {
		t.Fatalf("revoke again: %+v, %v; want revoked still %d", again, err, first.Revoked)
	}
	if _, err := s.Authenticate(ctx(t), tok.Token); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked token authenticates: %v", err)
	}
	if _, err := s.RevokeAdminToken(ctx(t), "nope"); !errors.Is(err, ErrUnknownToken) {
		t.Fatalf("revoke unknown: %v", err)
	}
	if _, err := s.CreateAdminToken(ctx(t), "root"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("create role root: %v", err)
	}
}

func addJobAs(t testing.TB, s *Store, req api.JobRequest, tokenID string) api.JobInfo {
	t.Helper()
	j, err := s.AddJobAs(ctx(t), req, tokenID)
	if err != nil {
		t.Fatalf("AddJobAs(%+v): %v", req, err)
	}
	return j
}
