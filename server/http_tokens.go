package server

import (
	"net/http"

	"github.com/bootagent/bootagent/api"
)

// Operator token management (SPEC §10), role admin only.

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request, _ api.AdminTokenInfo) {
	toks, err := s.store.AdminTokens(r.Context())
	answer(w, toks, err)
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	var req api.AdminTokenRequest
	if err := decodeAdmin(w, r, &req); err != nil {
		writeAdminError(w, err)
		return
	}
	created, err := s.store.CreateAdminToken(r.Context(), req.Role)
	if err != nil {
		writeAdminError(w, err)
		return
	}
	s.log.Info("admin token created over the API", "token_id", created.ID, "role", created.Role, "by", who.ID)
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	ti, err := s.store.RevokeAdminToken(r.Context(), r.PathValue("id"))
	if err == nil {
		s.log.Info("admin token revoked over the API", "token_id", ti.ID, "by", who.ID)
	}
	answer(w, ti, err)
}
