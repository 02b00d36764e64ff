package webui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// Sessions live in the server's memory: the cookie holds only a random
// session id (never the admin token, which is checked once at sign-in and
// then forgotten), and a server restart signs everyone out. Each session
// remembers its token's id so that every request re-reads the token's
// role and revocation: revoking a token ends its sessions at once.

// maxSessions bounds memory against sign-in floods; the oldest go first.
const maxSessions = 10_000

type session struct {
	id      string
	csrf    string // the per-session token every form carries back
	tokenID string
	expires time.Time
}

type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: now}
}

func randomID() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// start opens a session for the admin token tokenID.
func (s *sessions) start(tokenID string) (*session, error) {
	id, err := randomID()
	if err != nil {
		return nil, err
	}
	csrf, err := randomID()
	if err != nil {
		return nil, err
	}
	se := &session{id: id, csrf: csrf, tokenID: tokenID, expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked()
	s.m[id] = se
	return se, nil
}

// get returns the live session id names, or nil.
func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.m[id]
	if se == nil {
		return nil
	}
	if !s.now().Before(se.expires) {
		delete(s.m, id)
		return nil
	}
	return se
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// pruneLocked drops expired sessions, then the oldest while over the cap.
func (s *sessions) pruneLocked() {
	now := s.now()
	for id, se := range s.m {
		if !now.Before(se.expires) {
			delete(s.m, id)
		}
	}
	for len(s.m) >= maxSessions {
		var oldest *session
		for _, se := range s.m {
			if oldest == nil || se.expires.Before(oldest.expires) {
				oldest = se
			}
		}
		delete(s.m, oldest.id)
	}
}

// csrfOK says whether a form's csrf field is this session's, in constant
// time.
func (se *session) csrfOK(got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(se.csrf)) == 1
}
