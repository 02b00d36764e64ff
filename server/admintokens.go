package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// Operator tokens (SPEC §10) look like bsa_<id>_<secret>: 12 hex digits of
// id, then 256 random bits in base64url. The id in clear lets the server
// find the one row to check without scanning or indexing hashes, lets an
// operator name a token (list, revoke, a job's token_id) without its
// secret, and the bsa_ prefix lets secret scanners spot a leaked one. Only
// the SHA-256 of the whole token is stored; the check compares hashes in
// constant time.
const (
	tokenPrefix    = "bsa_"
	tokenIDBytes   = 6
	tokenSecretLen = 32
)

// dummyHash is compared against when the id is unknown, so an unknown id
// costs the same work as a wrong secret.
var dummyHash = sha256.Sum256([]byte("bootserver: no such token"))

// newToken returns a fresh token and its id, from crypto/rand.
func newToken() (id, token string, err error) { return newTokenWith(tokenPrefix) }

// newTokenWith is newToken for another kind of token (enrollment tokens,
// host credentials), told apart by prefix.
func newTokenWith(prefix string) (id, token string, err error) {
	b := make([]byte, tokenIDBytes+tokenSecretLen)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate %s token: %w", prefix, err)
	}
	id = hex.EncodeToString(b[:tokenIDBytes])
	return id, prefix + id + "_" + base64.RawURLEncoding.EncodeToString(b[tokenIDBytes:]), nil
}

// tokenID is the id part of a token, or false when tok is not shaped like
// one (it is then refused without a database read).
func tokenID(tok string) (string, bool) { return tokenIDWith(tokenPrefix, tok) }

func tokenIDWith(prefix, tok string) (string, bool) {
	rest, ok := strings.CutPrefix(tok, prefix)
	if !ok {
		return "", false
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 2*tokenIDBytes || secret == "" {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", false
	}
	return id, true
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// tokenMatches says whether tok hashes to stored, in time independent of
// where they differ.
func tokenMatches(stored []byte, tok string) bool {
	return subtle.ConstantTimeCompare(stored, hashToken(tok)) == 1
}

func validRole(role string) bool { return role == api.RoleRead || role == api.RoleAdmin }

// roleAllows says whether a token of role have may do what needs role
// need: admin may do everything read may.
func roleAllows(have, need string) bool {
	switch need {
	case api.RoleRead:
		return have == api.RoleRead || have == api.RoleAdmin
	case api.RoleAdmin:
		return have == api.RoleAdmin
	}
	return false
}

// CreateAdminToken mints a token of role and stores its hash. The token in
// the answer is shown once and cannot be recovered later.
func (s *Store) CreateAdminToken(ctx context.Context, role string) (api.AdminTokenCreated, error) {
	if !validRole(role) {
		return api.AdminTokenCreated{}, invalid("role %q is not read or admin", role)
	}
	id, tok, err := newToken()
	if err != nil {
		return api.AdminTokenCreated{}, err
	}
	var out api.AdminTokenCreated
	err = s.write(ctx, true, func(t *txn) error {
		if err := exec(t.st.tokenInsert, id, role, hashToken(tok), t.now); err != nil {
			return fmt.Errorf("insert admin token %s: %w", id, err)
		}
		out = api.AdminTokenCreated{AdminTokenInfo: api.AdminTokenInfo{ID: id, Role: role, Created: t.now}, Token: tok}
		t.afterCommit(func() { s.log.Info("admin token created", "token_id", id, "role", role) })
		return nil
	})
	if err != nil {
		return api.AdminTokenCreated{}, err
	}
	return out, nil
}

// AdminTokens lists every token, revoked ones too, oldest first.
func (s *Store) AdminTokens(ctx context.Context) ([]api.AdminTokenInfo, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, role, created, revoked FROM admin_tokens ORDER BY created, rowid`)
	if err != nil {
		return nil, fmt.Errorf("list admin tokens: %w", err)
	}
	defer rows.Close()
	out := []api.AdminTokenInfo{}
	for rows.Next() {
		var ti api.AdminTokenInfo
		if err := rows.Scan(&ti.ID, &ti.Role, &ti.Created, &ti.Revoked); err != nil {
			return nil, fmt.Errorf("list admin tokens: %w", err)
		}
		out = append(out, ti)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list admin tokens: %w", err)
	}
	return out, nil
}

// RevokeAdminToken makes the token fail from now on; revoking it again
// changes nothing.
func (s *Store) RevokeAdminToken(ctx context.Context, id string) (api.AdminTokenInfo, error) {
	var out api.AdminTokenInfo
	err := s.write(ctx, true, func(t *txn) error {
		rows, err := t.st.tokenRevoke.Query(id, t.now)
		if err != nil {
			return fmt.Errorf("revoke admin token %s: %w", id, err)
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return fmt.Errorf("revoke admin token %s: %w", id, err)
			}
			return fmt.Errorf("%w %q", ErrUnknownToken, id)
		}
		out.ID = id
		if err := rows.Scan(&out.Role, &out.Created, &out.Revoked); err != nil {
			return fmt.Errorf("revoke admin token %s: %w", id, err)
		}
		t.afterCommit(func() { s.log.Info("admin token revoked", "token_id", id, "role", out.Role) })
		return rows.Close()
	})
	if err != nil {
		return api.AdminTokenInfo{}, err
	}
	return out, nil
}

// Authenticate returns the token tok is, or ErrUnauthorized when it is
// malformed, unknown, of another secret or revoked. Error messages never
// quote tok.
func (s *Store) Authenticate(ctx context.Context, tok string) (api.AdminTokenInfo, error) {
	id, ok := tokenID(tok)
	if !ok {
		tokenMatches(dummyHash[:], tok)
		return api.AdminTokenInfo{}, fmt.Errorf("%w: not a bootserver admin token", ErrUnauthorized)
	}
	ti := api.AdminTokenInfo{ID: id}
	var hash []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT role, hash, created, revoked FROM admin_tokens WHERE id = ?`, id).
		Scan(&ti.Role, &hash, &ti.Created, &ti.Revoked)
	if errors.Is(err, sql.ErrNoRows) {
		tokenMatches(dummyHash[:], tok)
		return api.AdminTokenInfo{}, fmt.Errorf("%w: unknown admin token", ErrUnauthorized)
	}
	if err != nil {
		return api.AdminTokenInfo{}, fmt.Errorf("check admin token: %w", err)
	}
	if !tokenMatches(hash, tok) {
		return api.AdminTokenInfo{}, fmt.Errorf("%w: unknown admin token", ErrUnauthorized)
	}
	if ti.Revoked != 0 {
		return api.AdminTokenInfo{}, fmt.Errorf("%w: admin token %s is revoked", ErrUnauthorized, id)
	}
	return ti, nil
}
