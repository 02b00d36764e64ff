package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// closedServer is a test server as bootserver serves by default: no open
// enrollment.
func closedServer(t *testing.T) *testServer {
	t.Helper()
	s, clk := openStore(t)
	hs := httptest.NewServer(New(s, testLogger(t)).Handler())
	t.Cleanup(hs.Close)
	return &testServer{Store: s, clk: clk, url: hs.URL, token: adminToken(t, s, api.RoleAdmin).Token}
}

// agentPost posts body to path with cred ("": none), returning code and answer.
func agentPost(t *testing.T, ts *testServer, path, cred string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, ts.url+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(answer) {
		t.Fatalf("POST %s: answer is not JSON: %q", path, answer)
	}
	return resp.StatusCode, answer
}

func enrollOver(t *testing.T, ts *testServer, hostname, agentsn, tok string) api.RegisterResponse {
	t.Helper()
	code, b := agentPost(t, ts, api.PathRegister, "", api.RegisterRequest{Hostname: hostname, AgentSN: agentsn, EnrollToken: tok})
	var reg api.RegisterResponse
	if code != 200 || json.Unmarshal(b, &reg) != nil || reg.Credential == "" {
		t.Fatalf("register %s with a token: %d %s", hostname, code, b)
	}
	return reg
}

func TestRegisterNeedsTokenUnlessOpen(t *testing.T) {
	ts := closedServer(t)
	code, b := agentPost(t, ts, api.PathRegister, "", api.RegisterRequest{Hostname: "web", AgentSN: "sn-web"})
	if code != 403 || !strings.Contains(string(b), "enrollment token") {
		t.Fatalf("register without a token: %d %s, want 403", code, b)
	}
	if n := count(t, ts.Store, "hosts"); n != 0 {
		t.Fatalf("%d hosts after a refused register", n)
	}
	var created api.EnrollTokenCreated
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{Uses: 1, Tags: "role=web"}, 201, &created)
	reg := enrollOver(t, ts, "web", "sn-web", created.Token)
	if reg.AgentSN != "sn-web" || reg.Tags != "role=web" || !strings.HasPrefix(reg.Credential, credPrefix) {
		t.Fatalf("register answer = %+v", reg)
	}
	// The token was for one host.
	if code, b := agentPost(t, ts, api.PathRegister, "", api.RegisterRequest{Hostname: "db", AgentSN: "sn-db", EnrollToken: created.Token}); code != 403 {
		t.Fatalf("second register with a one-use token: %d %s, want 403", code, b)
	}
	// The enrolled host registers again with its credential, no token.
	if code, b := agentPost(t, ts, api.PathRegister, reg.Credential, api.RegisterRequest{Hostname: "web", AgentSN: "sn-web"}); code != 200 {
		t.Fatalf("re-register with the credential: %d %s", code, b)
	}
}

func TestAgentRequestsNeedTheirCredential(t *testing.T) {
	ts := closedServer(t)
	var created api.EnrollTokenCreated
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{Uses: 2}, 201, &created)
	a := enrollOver(t, ts, "host-a", "sn-a", created.Token)
	enrollOver(t, ts, "host-b", "sn-b", created.Token)
	jb := addJob(t, ts.Store, installReq("sn-b", "B"))

	tests := []struct {
		name, path, cred string
		header           string // X-Agentsn
		body             any
		want             int
	}{
		{name: "status without credential", path: api.PathStatus, body: statusDoc("host-a", "sn-a"), want: 401},
		{name: "status with a bad credential", path: api.PathStatus, cred: credPrefix + "000000000000_nope", body: statusDoc("host-a", "sn-a"), want: 401},
		{name: "status with an admin token", path: api.PathStatus, cred: ts.token, body: statusDoc("host-a", "sn-a"), want: 401},
		{name: "A's credential reporting as B", path: api.PathStatus, cred: a.Credential, body: statusDoc("host-b", "sn-b"), want: 403},
		{name: "A's credential registering as B", path: api.PathRegister, cred: a.Credential, body: api.RegisterRequest{Hostname: "host-b", AgentSN: "sn-b"}, want: 403},
		{name: "events without credential", path: api.PathEvents, body: []api.Event{}, want: 401},
		{name: "results without credential", path: api.PathJobResult, body: []api.JobResult{{ID: jb.ID}}, want: 401},
		{name: "A's credential pushing events as B", path: api.PathEvents + "?agentsn=sn-b", cred: a.Credential, body: []api.Event{}, want: 403},
		{name: "status with its own credential", path: api.PathStatus, cred: a.Credential, body: statusDoc("host-a", "sn-a"), want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, answer := agentPost(t, ts, tt.path, tt.cred, tt.body)
			if code != tt.want {
				t.Fatalf("%d %s, want %d", code, answer, tt.want)
			}
			if strings.Contains(string(answer), a.Credential) || strings.Contains(string(answer), created.Token) {
				t.Fatalf("answer quotes a secret: %s", answer)
			}
		})
	}
	// A's credential cannot finish B's job.
	if code, answer := agentPost(t, ts, api.PathJobResult, a.Credential, []api.JobResult{{ID: jb.ID, Message: "done"}}); code != 200 {
		t.Fatalf("results: %d %s", code, answer)
	}
	if got := job(t, ts.Store, jb.ID); got.State != api.JobQueued {
		t.Fatalf("B's job after A posted its result: %+v", got)
	}
}

func TestRevokedHostIsRefusedAndItsJobsCancelled(t *testing.T) {
	ts := closedServer(t)
	var created api.EnrollTokenCreated
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{}, 201, &created)
	reg := enrollOver(t, ts, "web", "sn-web", created.Token)
	j := addJob(t, ts.Store, installReq("sn-web", "A"))
	var rv api.HostRevocation
	ts.call(t, "POST", api.PathAdminHosts+"/web/revoke", nil, 200, &rv)
	if rv.JobsCancelled != 1 || !rv.Revoked {
		t.Fatalf("revoke answer = %+v", rv)
	}
	if code, b := agentPost(t, ts, api.PathStatus, reg.Credential, statusDoc("web", "sn-web")); code != 401 {
		t.Fatalf("status of a revoked host: %d %s, want 401", code, b)
	}
	if got := job(t, ts.Store, j.ID); got.State != api.JobFailed || got.Deliveries != 0 {
		t.Fatalf("job of a revoked host: %+v, want failed, never delivered", got)
	}
	ts.call(t, "POST", api.PathAdminHosts+"/web/unrevoke", nil, 200, &rv)
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{}, 201, &created)
	enrollOver(t, ts, "web", "sn-web", created.Token)
}

func TestStatusAnswerRenewsTheCredential(t *testing.T) {
	ts := closedServer(t)
	var created api.EnrollTokenCreated
	ts.call(t, "POST", api.PathAdminEnrollTokens, api.EnrollTokenRequest{}, 201, &created)
	reg := enrollOver(t, ts, "web", "sn-web", created.Token)
	var st api.StatusResponse
	code, b := agentPost(t, ts, api.PathStatus, reg.Credential, statusDoc("web", "sn-web"))
	if code != 200 || json.Unmarshal(b, &st) != nil || st.Credential != "" {
		t.Fatalf("fresh credential: %d %s, want no renewal", code, b)
	}
	ts.clk.Advance(DefaultCredentialTTL * 2 / 3)
	code, b = agentPost(t, ts, api.PathStatus, reg.Credential, statusDoc("web", "sn-web"))
	if code != 200 || json.Unmarshal(b, &st) != nil || st.Credential == "" || st.Credential == reg.Credential {
		t.Fatalf("credential in its last third: %d %s, want a renewed one", code, b)
	}
	ts.clk.Advance(DefaultCredentialTTL / 2)
	if code, b := agentPost(t, ts, api.PathStatus, st.Credential, statusDoc("web", "sn-web")); code != 200 {
		t.Fatalf("renewed credential: %d %s", code, b)
	}
	if code, b := agentPost(t, ts, api.PathStatus, reg.Credential, statusDoc("web", "sn-web")); code != 401 {
		t.Fatalf("old credential past its expiry: %d %s, want 401", code, b)
	}
}
