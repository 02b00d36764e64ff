package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bootagent/bootagent/api"
)

// tokenHandler is an admin handler told which token the request carries.
type tokenHandler func(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo)

// guard lets a request through to h only with a valid bearer token whose
// role allows need (SPEC §10): none, an unknown or a revoked one is 401,
// a read token asking for a change 403. Loopback gets no exemption. The
// log names the token by id only, never its secret.
func (s *Server) guard(need string, h tokenHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		addr := remoteHost(r)
		if blocked, after := s.adminFails.blocked(addr, s.store.unix()); blocked {
			w.Header().Set("Retry-After", strconv.FormatInt(after, 10))
			s.log.Warn("admin request refused: too many bad admin tokens", "addr", addr, "retry_after", after)
			writeJSON(w, http.StatusTooManyRequests, api.AdminError{Error: "too many requests with a bad admin token from " + addr + "; retry later"})
			return
		}
		who, err := s.authorize(r, need)
		if err != nil {
			if errors.Is(err, ErrUnauthorized) {
				s.adminFails.fail(addr, s.store.unix())
			}
			s.log.Info("admin request refused", "method", r.Method, "path", r.URL.Path, "addr", addr, "err", err)
			writeAdminError(w, err)
			return
		}
		h(w, r, who)
	}
}

// reads guards a handler that only lists.
func (s *Server) reads(h http.HandlerFunc) http.HandlerFunc {
	return s.guard(api.RoleRead, func(w http.ResponseWriter, r *http.Request, _ api.AdminTokenInfo) { h(w, r) })
}

func (s *Server) authorize(r *http.Request, need string) (api.AdminTokenInfo, error) {
	tok, err := bearer(r.Header.Get("Authorization"))
	if err != nil {
		return api.AdminTokenInfo{}, err
	}
	who, err := s.store.Authenticate(r.Context(), tok)
	if err != nil {
		return api.AdminTokenInfo{}, err
	}
	if !roleAllows(who.Role, need) {
		return who, fmt.Errorf("%w: admin token %s has role %s; %s %s needs role %s",
			ErrForbidden, who.ID, who.Role, r.Method, r.URL.Path, need)
	}
	return who, nil
}

// bearer extracts the token of an "Authorization: Bearer TOKEN" header.
func bearer(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf("%w: no admin token (send Authorization: Bearer <token>; the CLI reads admin.token in the data directory)", ErrUnauthorized)
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("%w: Authorization is not \"Bearer <token>\"", ErrUnauthorized)
	}
	return strings.TrimSpace(tok), nil
}
