package server

import (
	"net/http"
	"strconv"

	"github.com/bootagent/bootagent/api"
)

// The admin API (SPEC §8) under /admin/: JSON in and out, errors as
// {"error": "..."} with 400 (bad input), 401 (no, unknown or revoked
// token), 403 (a read token asking for a change), 404 (unknown host or job), 409
// (ambiguous hostname), 503 (busy) or 500.

func (s *Server) handleHosts(w http.ResponseWriter, r *http.Request) {
	hosts, err := s.store.Hosts(r.Context())
	answer(w, hosts, err)
}

func (s *Server) handleHost(w http.ResponseWriter, r *http.Request) {
	h, err := s.store.Host(r.Context(), r.PathValue("host"))
	answer(w, h, err)
}

func (s *Server) handleAgents(w http.ResponseWriter, r *http.Request) {
	agents, err := s.store.Agents(r.Context(), r.PathValue("host"))
	answer(w, agents, err)
}

func (s *Server) handleTags(w http.ResponseWriter, r *http.Request, _ api.AdminTokenInfo) {
	var req api.TagsRequest
	if err := decodeAdmin(w, r, &req); err != nil {
		writeAdminError(w, err)
		return
	}
	h, err := s.store.SetTags(r.Context(), r.PathValue("host"), req.Tags)
	answer(w, h, err)
}

func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := limitParam(q.Get("limit"))
	if err != nil {
		writeAdminError(w, err)
		return
	}
	jobs, err := s.store.Jobs(r.Context(), JobFilter{Host: q.Get("host"), State: q.Get("state"), Limit: n})
	answer(w, jobs, err)
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.store.Job(r.Context(), r.PathValue("id"))
	answer(w, j, err)
}

func (s *Server) handleAddJob(w http.ResponseWriter, r *http.Request, who api.AdminTokenInfo) {
	var req api.JobRequest
	if err := decodeAdmin(w, r, &req); err != nil {
		writeAdminError(w, err)
		return
	}
	j, err := s.store.AddJobAs(r.Context(), req, who.ID)
	if err != nil {
		writeAdminError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, j)
}

func (s *Server) handleListEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := limitParam(q.Get("limit"))
	if err != nil {
		writeAdminError(w, err)
		return
	}
	events, err := s.store.Events(r.Context(), EventFilter{Host: q.Get("host"), Limit: n})
	answer(w, events, err)
}

func limitParam(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, invalid("limit %q is not a positive number", v)
	}
	return n, nil
}

func answer(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeAdminError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
