package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// enrolled registers a host under --open-enrollment and returns its
// credential.
func enrolled(t testing.TB, s *Store, hostname, agentsn string) string {
	t.Helper()
	e, err := s.Enroll(ctx(t), EnrollRequest{Hostname: hostname, AgentSN: agentsn, Addr: "127.0.0.1", Open: true})
	if err != nil {
		t.Fatalf("Enroll(%s, %s): %v", hostname, agentsn, err)
	}
	return e.Credential
}

// agentAuth is the Authorization an agent request of the existing tests
// carries: the credential of the host its body names (enrolled on first
// use), else of the host last spoken for. A register of a host not yet
// enrolled carries none (the test server is open).
func (ts *testServer) agentAuth(t testing.TB, path string, body []byte) string {
	t.Helper()
	var named struct {
		Hostname string `json:"hostname"`
		AgentSN  string `json:"agentsn"`
	}
	json.Unmarshal(body, &named)
	sn := named.AgentSN
	if sn == "" && path != api.PathRegister {
		sn = ts.lastSN
	}
	if c, ok := ts.creds[sn]; ok {
		ts.lastSN = sn
		return c
	}
	if path == api.PathRegister {
		return ""
	}
	if sn == "" {
		return credPrefix + "000000000000_x" // nobody's: the server's own check decides
	}
	host := named.Hostname
	if host == "" {
		host = "test-host"
	}
	e, err := ts.Store.Enroll(ctx(t), EnrollRequest{Hostname: host, AgentSN: sn, Addr: "127.0.0.1", Open: true})
	if err != nil {
		return credPrefix + "000000000000_x" // a closed store: the server's own check fails
	}
	ts.creds[e.AgentSN], ts.lastSN = e.Credential, e.AgentSN
	return e.Credential
}

// noteCred keeps the credential a register answer hands out.
func (ts *testServer) noteCred(path string, answer []byte) {
	if ts.creds == nil {
		ts.creds = map[string]string{}
	}
	if path != api.PathRegister {
		return
	}
	var r api.RegisterResponse
	if json.Unmarshal(answer, &r) == nil && r.Credential != "" {
		ts.creds[r.AgentSN], ts.lastSN = r.Credential, r.AgentSN
	}
}

func isAgentPath(path string) bool { return strings.HasPrefix(path, "/agent/") }

// authorize sets the request's Authorization for ts's default caller: the
// admin token, or a host credential on the agent endpoints.
func (ts *testServer) authorizeReq(t testing.TB, req *http.Request, token string, body []byte) {
	if ts.creds == nil {
		ts.creds = map[string]string{}
	}
	if token == ts.token && isAgentPath(req.URL.Path) {
		token = ts.agentAuth(t, req.URL.Path, body)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
}
