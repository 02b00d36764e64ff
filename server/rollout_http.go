package server

import (
	"net/http"
	"strconv"

	"github.com/bootagent/bootagent/api"
)

// The rollouts' admin API (SPEC §11), registered by routeRollouts: a read
// token may list and show, an admin token acts; the acting token's id is
// recorded.
func (s *Server) routeRollouts(mux *http.ServeMux) {
	mux.HandleFunc("GET "+api.PathAdminRollouts, s.reads(s.handleRollouts))
	mux.HandleFunc("POST "+api.PathAdminRollouts, s.guard(api.RoleAdmin, s.handleCreateRollout))
	mux.HandleFunc("GET "+api.PathAdminRollouts+"/{id}", s.reads(s.handleRollout))
	mux.HandleFunc("POST "+api.PathAdminRollouts+"/{id}/{action}", s.guard(api.RoleAdmin, s.handleRolloutAction))
	mux.HandleFunc("POST "+api.PathAdminJobs+"/{id}/cancel", s.guard(api.RoleAdmin, s.handleCancelJob))
}

func (s *Server) handleRollouts(w http.ResponseWriter, r *http.Request) {
	ros, err := s.store.Rollouts(r.Context())
	answer(w, ros, err)
}

func (s *Server) handleRollout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := RolloutHostsPage{Want: q.Get("hosts") != "" && q.Get("hosts") != "0", After: -1, State: q.Get("state")}
	if v := q.Get("after"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeAdminError(w, invalid("after %q is not a host position", v))
			return
		}
		page.After = n
	}
	n, err := limitParam(q.Get("limit"))
	if err != nil {
		writeAdminError(w, err)
		return
	}
	page.Limit = n
	ro, err := s.store.Rollout(r.Context(), r.PathValue("id"), page)
	answer(w, ro, err)
}

func (s *Server) handleCreateRollout(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	var req api.RolloutRequest
	if err := decodeAdmin(w, r, &req); err != nil {
		writeAdminError(w, err)
		return
	}
	info, plan, err := s.store.CreateRollout(r.Context(), req, who.ID)
	switch {
	case err != nil:
		writeAdminError(w, err)
	case req.DryRun:
		writeJSON(w, http.StatusOK, plan)
	default:
		writeJSON(w, http.StatusCreated, info)
	}
}

func (s *Server) handleRolloutAction(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	ro, err := s.store.RolloutAction(r.Context(), r.PathValue("id"), r.PathValue("action"), who.ID)
	answer(w, ro, err)
}

func (s *Server) handleCancelJob(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	j, err := s.store.CancelJob(r.Context(), r.PathValue("id"), who.ID)
	answer(w, j, err)
}
