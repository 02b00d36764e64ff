package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

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
	addr := remoteHost(r)
	if blocked, after := s.fails.blocked(addr, s.store.unix()); blocked {
		w.Header().Set("Retry-After", strconv.FormatInt(after, 10))
		s.log.Warn("register refused: too many refused enrollment attempts", "addr", addr, "retry_after", after)
		writeJSON(w, http.StatusTooManyRequests, agentError{Status: 1, Errcode: 1,
			Error: "too many refused enrollment attempts from " + addr + "; retry later"})
		return
	}
	er := EnrollRequest{Hostname: req.Hostname, AgentSN: req.AgentSN, Addr: remoteHost(r),
		Token: req.EnrollToken, Open: s.open}
	if r.Header.Get("Authorization") != "" {
		hc, err := s.hostOf(r)
		switch {
		case err == nil:
			er.Cred = &hc
		case req.EnrollToken == "":
			s.refuseRegister(w, r, addr, err)
			return
		}
		// A stale credential beside a token: the token enrols the host anew.
	}
	reg, err := s.store.Enroll(r.Context(), er)
	if err != nil {
		s.refuseRegister(w, r, addr, err)
		return
	}
	writeJSON(w, http.StatusOK, api.RegisterResponse{Status: 0, AgentSN: reg.AgentSN, Tags: reg.Tags,
		Credential: reg.Credential, CredentialExpires: reg.CredentialExpires})
}

// refuseRegister answers a failed register, counting a refused identity
// (401, 403) against the address.
func (s *Server) refuseRegister(w http.ResponseWriter, r *http.Request, addr string, err error) {
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden) {
		s.fails.fail(addr, s.store.unix())
		s.log.Info("register refused", "addr", addr, "err", err)
	}
	s.writeAgentError(w, r, err)
}

// hostOf is the host whose credential the request carries (SPEC §10):
// none, an unknown or an expired one is ErrUnauthorized (401).
func (s *Server) hostOf(r *http.Request) (HostCred, error) {
	tok, err := bearer(r.Header.Get("Authorization"))
	if err != nil {
		return HostCred{}, fmt.Errorf("%w: no host credential (register first)", ErrUnauthorized)
	}
	return s.store.AuthenticateHost(r.Context(), tok)
}

// sameHost refuses a request whose credential is hc's but which names
// another agentsn (403): a host may speak only for itself.
func sameHost(hc HostCred, named string) error {
	if named != "" && named != hc.AgentSN {
		return fmt.Errorf("%w: the credential is %s's, the request names agentsn %q", ErrForbidden, hc.AgentSN, named)
	}
	return nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	var doc api.StatusDoc
	raw, err := decodeAgent(w, r, &doc, '{')
	if err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	// A malformed document is a 400 whoever sends it.
	if err := validateReport(&doc); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	hc, err := s.hostOf(r)
	if err == nil {
		err = sameHost(hc, doc.AgentSN)
	}
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
	answer := api.StatusResponse{Errcode: 0, Jobs: jobs}
	if needsRenewal(hc.Issued, hc.Expires, s.store.unix()) {
		// A failed renewal costs nothing now: the next report asks again.
		if cred, exp, err := s.store.RenewCredential(r.Context(), hc); err != nil {
			s.log.Warn("host credential not renewed", "agentsn", hc.AgentSN, "err", err)
		} else {
			answer.Credential, answer.CredentialExpires = cred, exp
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) handleResults(w http.ResponseWriter, r *http.Request) {
	var results []api.JobResult
	if _, err := decodeAgent(w, r, &results, '['); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	hc, err := s.hostOf(r)
	if err == nil {
		err = sameHost(hc, r.Header.Get(HeaderAgentSN))
	}
	if err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	if err := s.store.AddHostResults(r.Context(), hc.AgentSN, results, remoteHost(r)); err != nil {
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
	if agentsn != "" {
		if err := validateAgentSN(agentsn); err != nil {
			s.writeAgentError(w, r, err)
			return
		}
	}
	hc, err := s.hostOf(r)
	if err == nil {
		err = sameHost(hc, agentsn)
	}
	if err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	if _, err := s.store.AddEvents(r.Context(), hc.AgentSN, events); err != nil {
		s.writeAgentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.Ack{Errcode: 0})
}
