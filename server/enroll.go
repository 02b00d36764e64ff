package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bootagent/bootagent/api"
)

// Enrollment tokens (SPEC §10) look like admin tokens (admintokens.go) with
// another prefix: bse_<id>_<secret>. Only their SHA-256 is stored; their
// uses are counted down by the single writer, so two hosts racing for a
// one-use token cannot both win.
const enrollPrefix = "bse_"

// Defaults of token create.
const (
	DefaultEnrollTTL  = 24 * time.Hour
	DefaultEnrollUses = 1
)

// ErrUnknownEnrollToken means no enrollment token has that id.
var ErrUnknownEnrollToken = errors.New("unknown enrollment token")

// CreateEnrollToken mints a token usable uses times until ttl has passed;
// the hosts it enrols get tags. The token is shown once, in the answer.
func (s *Store) CreateEnrollToken(ctx context.Context, ttl time.Duration, uses int, tags string) (api.EnrollTokenCreated, error) {
	if ttl <= 0 {
		ttl = DefaultEnrollTTL
	}
	if uses <= 0 {
		uses = DefaultEnrollUses
	}
	if err := validateTags(tags); err != nil {
		return api.EnrollTokenCreated{}, err
	}
	id, tok, err := newTokenWith(enrollPrefix)
	if err != nil {
		return api.EnrollTokenCreated{}, err
	}
	var out api.EnrollTokenCreated
	err = s.write(ctx, true, func(t *txn) error {
		expires := t.now + int64(ttl/time.Second)
		if _, err := s.wconn.ExecContext(context.Background(), `INSERT INTO enroll_tokens
			(id, hash, tags, uses_left, created, expires) VALUES (?, ?, ?, ?, ?, ?)`,
			id, hashToken(tok), tags, uses, t.now, expires); err != nil {
			return fmt.Errorf("insert enrollment token %s: %w", id, err)
		}
		out = api.EnrollTokenCreated{EnrollTokenInfo: api.EnrollTokenInfo{ID: id, Tags: tags, UsesLeft: uses,
			Created: t.now, Expires: expires}, Token: tok}
		t.afterCommit(func() {
			s.log.Info("enrollment token created", "token_id", id, "uses", uses, "expires", expires, "tags", tags)
		})
		return nil
	})
	if err != nil {
		return api.EnrollTokenCreated{}, err
	}
	return out, nil
}

// EnrollTokens lists every enrollment token, oldest first.
func (s *Store) EnrollTokens(ctx context.Context) ([]api.EnrollTokenInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, tags, uses_left, created, expires, revoked
		FROM enroll_tokens ORDER BY created, rowid`)
	if err != nil {
		return nil, fmt.Errorf("list enrollment tokens: %w", err)
	}
	defer rows.Close()
	out := []api.EnrollTokenInfo{}
	for rows.Next() {
		var ti api.EnrollTokenInfo
		if err := rows.Scan(&ti.ID, &ti.Tags, &ti.UsesLeft, &ti.Created, &ti.Expires, &ti.Revoked); err != nil {
			return nil, fmt.Errorf("list enrollment tokens: %w", err)
		}
		out = append(out, ti)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list enrollment tokens: %w", err)
	}
	return out, nil
}

// RevokeEnrollToken makes the token fail from now on.
func (s *Store) RevokeEnrollToken(ctx context.Context, id string) (api.EnrollTokenInfo, error) {
	out := api.EnrollTokenInfo{ID: id}
	err := s.write(ctx, true, func(t *txn) error {
		err := s.wconn.QueryRowContext(context.Background(), `UPDATE enroll_tokens
			SET revoked = CASE WHEN revoked = 0 THEN ?2 ELSE revoked END WHERE id = ?1
			RETURNING tags, uses_left, created, expires, revoked`, id, t.now).
			Scan(&out.Tags, &out.UsesLeft, &out.Created, &out.Expires, &out.Revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w %q", ErrUnknownEnrollToken, id)
		}
		if err != nil {
			return fmt.Errorf("revoke enrollment token %s: %w", id, err)
		}
		t.afterCommit(func() { s.log.Info("enrollment token revoked", "token_id", id) })
		return nil
	})
	if err != nil {
		return api.EnrollTokenInfo{}, err
	}
	return out, nil
}

// useEnrollToken checks tok and consumes one of its uses, inside the
// writer's transaction; it returns the tags it gives. The error never
// quotes tok.
func (s *Store) useEnrollToken(t *txn, tok string) (string, error) {
	id, ok := tokenIDWith(enrollPrefix, tok)
	if !ok {
		tokenMatches(dummyHash[:], tok)
		return "", fmt.Errorf("%w: not a bootserver enrollment token", ErrForbidden)
	}
	var hash []byte
	var tags string
	var uses int
	var expires, revoked int64
	err := s.wconn.QueryRowContext(context.Background(), `SELECT hash, tags, uses_left, expires, revoked
		FROM enroll_tokens WHERE id = ?`, id).Scan(&hash, &tags, &uses, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		tokenMatches(dummyHash[:], tok)
		return "", fmt.Errorf("%w: unknown enrollment token", ErrForbidden)
	}
	if err != nil {
		return "", fmt.Errorf("check enrollment token: %w", err)
	}
	switch {
	case !tokenMatches(hash, tok):
		return "", fmt.Errorf("%w: unknown enrollment token", ErrForbidden)
	case revoked != 0:
		return "", fmt.Errorf("%w: enrollment token %s is revoked", ErrForbidden, id)
	case t.now >= expires:
		return "", fmt.Errorf("%w: enrollment token %s has expired", ErrForbidden, id)
	case uses <= 0:
		return "", fmt.Errorf("%w: enrollment token %s is used up", ErrForbidden, id)
	}
	if _, err := s.wconn.ExecContext(context.Background(),
		`UPDATE enroll_tokens SET uses_left = uses_left - 1 WHERE id = ?`, id); err != nil {
		return "", fmt.Errorf("use enrollment token %s: %w", id, err)
	}
	t.afterCommit(func() { s.log.Info("enrollment token used", "token_id", id, "uses_left", uses-1) })
	return tags, nil
}
