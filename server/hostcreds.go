package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Host credentials (SPEC §10) are random keys shaped like admin tokens,
// bsh_<id>_<secret>, bound to one agentsn and stored as their SHA-256 with
// an expiry. The server derives the host of every agent request from one.
const credPrefix = "bsh_"

// DefaultCredentialTTL is how long a host credential lasts without renewal.
const DefaultCredentialTTL = 30 * 24 * time.Hour

// HostCred is who a valid credential says the request comes from.
type HostCred struct {
	ID      string
	AgentSN string
	Issued  int64
	Expires int64
}

// needsRenewal says whether a credential issued at issued, expiring at
// expires, is within a third of its lifetime from expiry at now: then the
// next answer carries a fresh one, well before the old one fails.
func needsRenewal(issued, expires, now int64) bool {
	return now >= expires-(expires-issued)/3
}

// AuthenticateHost returns the host cred belongs to, or ErrUnauthorized
// when it is malformed, unknown, of another secret or expired (a revoked
// host's credentials are deleted, so they are unknown). Error messages
// never quote cred.
func (s *Store) AuthenticateHost(ctx context.Context, cred string) (HostCred, error) {
	id, ok := tokenIDWith(credPrefix, cred)
	if !ok {
		tokenMatches(dummyHash[:], cred)
		return HostCred{}, fmt.Errorf("%w: not a bootserver host credential", ErrUnauthorized)
	}
	hc := HostCred{ID: id}
	var hash []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT agentsn, hash, issued, expires FROM host_creds WHERE id = ?`, id).
		Scan(&hc.AgentSN, &hash, &hc.Issued, &hc.Expires)
	if errors.Is(err, sql.ErrNoRows) {
		tokenMatches(dummyHash[:], cred)
		return HostCred{}, fmt.Errorf("%w: unknown host credential (host revoked, or enrolled again)", ErrUnauthorized)
	}
	if err != nil {
		return HostCred{}, fmt.Errorf("check host credential: %w", err)
	}
	if !tokenMatches(hash, cred) {
		return HostCred{}, fmt.Errorf("%w: unknown host credential", ErrUnauthorized)
	}
	if s.unix() >= hc.Expires {
		return HostCred{}, fmt.Errorf("%w: host credential %s of %s has expired", ErrUnauthorized, id, hc.AgentSN)
	}
	return hc, nil
}

// issueCredential mints a credential for agentsn inside the writer's
// transaction. Every other credential of the host is deleted except keep
// (the one a renewal was asked with: it stays valid until it expires, so a
// lost answer does not lock the host out).
func (s *Store) issueCredential(t *txn, agentsn, keep string) (cred string, expires int64, err error) {
	id, cred, err := newTokenWith(credPrefix)
	if err != nil {
		return "", 0, err
	}
	c := context.Background()
	if _, err := s.wconn.ExecContext(c, `DELETE FROM host_creds WHERE agentsn = ? AND id <> ?`, agentsn, keep); err != nil {
		return "", 0, fmt.Errorf("replace credential of %s: %w", agentsn, err)
	}
	expires = t.now + int64(s.credTTL/time.Second)
	if _, err := s.wconn.ExecContext(c, `INSERT INTO host_creds (id, agentsn, hash, issued, expires)
		VALUES (?, ?, ?, ?, ?)`, id, agentsn, hashToken(cred), t.now, expires); err != nil {
		return "", 0, fmt.Errorf("store credential of %s: %w", agentsn, err)
	}
	t.afterCommit(func() { s.log.Info("host credential issued", "agentsn", agentsn, "cred_id", id, "expires", expires) })
	return cred, expires, nil
}

// RenewCredential issues a fresh credential for the host of hc, keeping hc
// valid until its own expiry.
func (s *Store) RenewCredential(ctx context.Context, hc HostCred) (string, int64, error) {
	var cred string
	var expires int64
	err := s.write(ctx, true, func(t *txn) error {
		var err error
		// Revoked meanwhile: its credentials are gone, and so is hc.
		var one int
		err = s.wconn.QueryRowContext(context.Background(), `SELECT 1 FROM host_creds WHERE id = ?`, hc.ID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: host credential of %s was revoked", ErrUnauthorized, hc.AgentSN)
		}
		if err != nil {
			return fmt.Errorf("renew credential of %s: %w", hc.AgentSN, err)
		}
		cred, expires, err = s.issueCredential(t, hc.AgentSN, hc.ID)
		return err
	})
	return cred, expires, err
}

// hasLiveCredential says whether agentsn holds an unexpired credential.
func (s *Store) hasLiveCredential(t *txn, agentsn string) (bool, error) {
	var one int
	err := s.wconn.QueryRowContext(context.Background(),
		`SELECT 1 FROM host_creds WHERE agentsn = ? AND expires > ? LIMIT 1`, agentsn, t.now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read credentials of %s: %w", agentsn, err)
	}
	return true, nil
}

// hostRevoked says whether an operator revoked agentsn.
func (s *Store) hostRevoked(t *txn, agentsn string) (bool, error) {
	var one int
	err := s.wconn.QueryRowContext(context.Background(),
		`SELECT 1 FROM host_revoked WHERE agentsn = ?`, agentsn).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read revocation of %s: %w", agentsn, err)
	}
	return true, nil
}
