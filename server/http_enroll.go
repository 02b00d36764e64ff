package server

import (
	"net/http"
	"time"

	"github.com/bootagent/bootagent/api"
)

// Enrollment tokens and host revocation (SPEC §10), role admin only.

func (s *Server) handleEnrollTokens(w http.ResponseWriter, r *http.Request, _ api.AdminTokenInfo) {
	toks, err := s.store.EnrollTokens(r.Context())
	answer(w, toks, err)
}

func (s *Server) handleCreateEnrollToken(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	var req api.EnrollTokenRequest
	if err := decodeAdmin(w, r, &req); err != nil {
		writeAdminError(w, err)
		return
	}
	if req.TTLSeconds < 0 || req.Uses < 0 {
		writeAdminError(w, invalid("ttl_seconds and uses must not be negative"))
		return
	}
	created, err := s.store.CreateEnrollToken(r.Context(), time.Duration(req.TTLSeconds)*time.Second, req.Uses, req.Tags)
	if err != nil {
		writeAdminError(w, err)
		return
	}
	s.log.Info("enrollment token created over the API", "token_id", created.ID, "by", who.ID)
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) handleRevokeEnrollToken(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	ti, err := s.store.RevokeEnrollToken(r.Context(), r.PathValue("id"))
	if err == nil {
		s.log.Info("enrollment token revoked over the API", "token_id", ti.ID, "by", who.ID)
	}
	answer(w, ti, err)
}

func (s *Server) handleRevokeHost(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	rv, err := s.store.RevokeHost(r.Context(), r.PathValue("host"))
	if err == nil {
		s.log.Info("host revoked over the API", "agentsn", rv.AgentSN, "by", who.ID)
	}
	answer(w, rv, err)
}

func (s *Server) handleUnrevokeHost(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	rv, err := s.store.UnrevokeHost(r.Context(), r.PathValue("host"))
	if err == nil {
		s.log.Info("host unrevoked over the API", "agentsn", rv.AgentSN, "by", who.ID)
	}
	answer(w, rv, err)
}
