package server

import (
	"net/http"

	"github.com/bootagent/bootagent/api"
)

// The agent endpoints of SPEC §7. Every answer that says stored (errcode 0,
// status 0) is sent only after the write is committed and synced.

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	var req api.RegisterRequest
	if _, err := decodeAgent(w, r, &req, '{'); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	reg, err := s.store.Register(r.Context(), req.Hostname, req.AgentSN, remoteHost(r))
	if err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.RegisterResponse{Status: 0, AgentSN: reg.AgentSN, Tags: reg.Tags})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	var doc api.StatusDoc
	raw, err := decodeAgent(w, r, &doc, '{')
	if err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	jobs, err := s.store.Report(r.Context(), &doc, raw, remoteHost(r))
	if err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	if jobs == nil {
		jobs = []api.Job{}
	}
	writeJSON(w, http.StatusOK, api.StatusResponse{Errcode: 0, Jobs: jobs})
}

func (s *Server) handleResults(w http.ResponseWriter, r *http.Request) {
	var results []api.JobResult
	if _, err := decodeAgent(w, r, &results, '['); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	if err := s.store.AddResults(r.Context(), results, remoteHost(r)); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.Ack{Errcode: 0})
}

// HeaderAgentSN may name the host pushing events (as may the query
// parameter agentsn); without it pushed events wait for the host's status
// report to be attributed.
const HeaderAgentSN = "X-Agentsn"

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	var events []api.Event
	if _, err := decodeAgent(w, r, &events, '['); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	agentsn := r.URL.Query().Get("agentsn")
	if agentsn == "" {
		agentsn = r.Header.Get(HeaderAgentSN)
	}
	if _, err := s.store.AddEvents(r.Context(), agentsn, events); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.Ack{Errcode: 0})
}
