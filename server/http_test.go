package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// testServer is a real server on 127.0.0.1 over a fresh store. token is
// an admin token, sent by do, call and post.
type testServer struct {
	*Store
	clk   *clock
	url   string
	token string

	creds  map[string]string // agentsn: host credential (creds_helpers_test.go)
	lastSN string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	s, clk := openStore(t)
	srv := New(s, testLogger(t))
	srv.SetOpenEnrollment(true)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testServer{Store: s, clk: clk, url: hs.URL, token: adminToken(t, s, api.RoleAdmin).Token}
}

// do sends a request with the server's admin token and returns the status
// code and the body.
func (ts *testServer) do(t *testing.T, method, path string, body []byte) (int, []byte) {
	t.Helper()
	return ts.doAs(t, ts.token, method, path, body)
}

// doAs is do with token ("": no Authorization header).
func (ts *testServer) doAs(t *testing.T, token, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, ts.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts.authorizeReq(t, req, token, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	ts.noteCred(req.URL.Path, b)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, b
}

// call sends in as JSON and decodes the answer into out, expecting code.
func (ts *testServer) call(t *testing.T, method, path string, in any, code int, out any) {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	got, b := ts.do(t, method, path, body)
	if got != code {
		t.Fatalf("%s %s: %d %s, want %d", method, path, got, b, code)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: answer %s: %v", method, path, b, err)
		}
	}
}

func TestAgentEndpoints(t *testing.T) {
	ts := newTestServer(t)

	var reg api.RegisterResponse
	ts.call(t, "POST", api.PathRegister, api.RegisterRequest{Hostname: "web-17", AgentSN: "sn-17"}, 200, &reg)
	if reg.Credential == "" || reg.CredentialExpires == 0 {
		t.Fatalf("register answer without a credential: %+v", reg)
	}
	reg.Credential, reg.CredentialExpires = "", 0
	if reg != (api.RegisterResponse{Status: 0, AgentSN: "sn-17", Tags: ""}) {
		t.Fatalf("register answer = %+v", reg)
	}
	var clone api.RegisterResponse
	ts.call(t, "POST", api.PathRegister, api.RegisterRequest{Hostname: "web-18", AgentSN: "sn-17"}, 200, &clone)
	if clone.Status != 0 || clone.AgentSN == "sn-17" || clone.AgentSN == "" {
		t.Fatalf("conflicting register answer = %+v", clone)
	}

	j := addJob(t, ts.Store, installReq("web-17", "BasicAgent"))
	doc := statusDoc("web-17", "sn-17", "BasicAgent")
	doc.Events = []api.Event{{Time: 5, Agent: "BasicAgent", Type: "exited", Message: "exit status 2"}}
	var st api.StatusResponse
	for range 2 {
		ts.call(t, "POST", api.PathStatus, doc, 200, &st)
		if st.Errcode != 0 || len(st.Jobs) != 1 || st.Jobs[0].ID != j.ID || st.Jobs[0].Action != "install" {
			t.Fatalf("status answer = %+v", st)
		}
	}
	// The raw answer has "jobs": [] rather than null when there is none.
	_, raw := ts.do(t, "POST", api.PathStatus, mustJSON(t, statusDoc("web-18", clone.AgentSN)))
	if !bytes.Contains(raw, []byte(`"jobs":[]`)) || !bytes.Contains(raw, []byte(`"errcode":0`)) {
		t.Fatalf("status answer without jobs = %s", raw)
	}

	var ack api.Ack
	ts.lastSN = "sn-17" // results carry no agentsn: they are sn-17's
	ts.call(t, "POST", api.PathJobResult, []api.JobResult{{ID: j.ID, Errcode: 0, Message: "success"}}, 200, &ack)
	if ack.Errcode != 0 || job(t, ts.Store, j.ID).State != api.JobSucceeded {
		t.Fatalf("after result: ack %+v, job %+v", ack, job(t, ts.Store, j.ID))
	}
	ts.call(t, "POST", api.PathJobResult, []api.JobResult{{ID: j.ID, Errcode: 1, Message: "again"}}, 200, &ack)
	if got := job(t, ts.Store, j.ID); ack.Errcode != 0 || got.State != api.JobSucceeded || got.Message != "success" {
		t.Fatalf("re-sent result: ack %+v, job %+v", ack, got)
	}
	ts.call(t, "POST", api.PathStatus, doc, 200, &st)
	if len(st.Jobs) != 0 {
		t.Fatalf("finished job still delivered: %+v", st.Jobs)
	}

	// Events: the same one pushed again is not stored twice; a pushed event
	// without a host is attributed by the next status report carrying it.
	e2 := api.Event{Time: 6, Agent: "BasicAgent", Type: "fatal", Message: "gave up"}
	ts.call(t, "POST", api.PathEvents+"?agentsn=sn-17", append(doc.Events, e2), 200, &ack)
	e3 := api.Event{Time: 7, Agent: "BasicAgent", Type: "killed", Message: "memory"}
	ts.call(t, "POST", api.PathEvents, []api.Event{e3}, 200, &ack)
	doc.Events = []api.Event{e3}
	ts.call(t, "POST", api.PathStatus, doc, 200, &st)
	es := events(t, ts.Store, "web-17")
	if len(es) != 3 || count(t, ts.Store, "events") != 3 {
		t.Fatalf("events = %+v", es)
	}
	ts.call(t, "POST", api.PathEvents, []api.Event{}, 200, &ack) // nothing to store is fine
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snapshot is everything a bad request must leave unchanged.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT agentsn, hostname, tags, last_seen, status FROM hosts ORDER BY agentsn",
		"SELECT id, state, deliveries, errcode, message FROM jobs ORDER BY id",
		"SELECT job_id, errcode, message FROM results ORDER BY job_id",
		"SELECT agentsn, time, agent, type, message FROM events ORDER BY id",
	} {
		rows, err := s.rdb.QueryContext(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func TestBadAgentRequestsChangeNothing(t *testing.T) {
	ts := newTestServer(t)
	register(t, ts.Store, "web", "sn")
	j := addJob(t, ts.Store, installReq("web", "A"))
	before := snapshot(t, ts.Store)

	big := `{"hostname":"web","agentsn":"sn","agents":[],"version":"` + strings.Repeat("x", api.MaxBody) + `"}`
	bigArray := `[{"id":"` + j.ID + `","errcode":0,"message":"` + strings.Repeat("x", api.MaxBody) + `"}]`
	for _, c := range []struct {
		name, path, body string
	}{
		{"register malformed", api.PathRegister, `{"hostname":`},
		{"register wrong type", api.PathRegister, `{"hostname":17,"agentsn":"x"}`},
		{"register array", api.PathRegister, `[]`},
		{"register no hostname", api.PathRegister, `{"agentsn":"x"}`},
		{"register oversized", api.PathRegister, `{"hostname":"h","agentsn":"` + strings.Repeat("x", api.MaxBody) + `"}`},
		{"status malformed", api.PathStatus, `{"hostname":"web","agentsn":"sn",`},
		{"status not JSON", api.PathStatus, `hello`},
		{"status empty", api.PathStatus, ``},
		{"status null", api.PathStatus, `null`},
		{"status trailing data", api.PathStatus, `{"hostname":"web","agentsn":"sn"} {}`},
		{"status wrong type", api.PathStatus, `{"hostname":"web","agentsn":"sn","uptime":"long"}`},
		{"status agents not a list", api.PathStatus, `{"hostname":"web","agentsn":"sn","agents":{"name":"A"}}`},
		{"status no agentsn", api.PathStatus, `{"hostname":"web"}`},
		{"status event without type", api.PathStatus, `{"hostname":"web","agentsn":"sn","events":[{"time":1}]}`},
		{"status oversized", api.PathStatus, big},
		{"result object", api.PathJobResult, `{"id":"` + j.ID + `","errcode":0}`},
		{"result wrong type", api.PathJobResult, `[{"id":"` + j.ID + `","errcode":"0"}]`},
		{"result no id", api.PathJobResult, `[{"id":"` + j.ID + `","errcode":0},{"errcode":0}]`},
		{"result malformed", api.PathJobResult, `[{"id":"` + j.ID + `"`},
		{"result oversized", api.PathJobResult, bigArray},
		{"events object", api.PathEvents, `{"time":1,"type":"exited"}`},
		{"events wrong type", api.PathEvents, `[{"time":"now","type":"exited"}]`},
		{"events no type", api.PathEvents, `[{"time":1,"agent":"A"}]`},
		{"events bad agentsn", api.PathEvents + "?agentsn=a/b", `[{"time":1,"type":"exited"}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := ts.do(t, "POST", c.path, []byte(c.body))
			if code != http.StatusBadRequest {
				t.Fatalf("code = %d (%s), want 400", code, body)
			}
			var e struct {
				Errcode int    `json:"errcode"`
				Error   string `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Errcode == 0 || e.Error == "" {
				t.Fatalf("error answer %s: %v", body, err)
			}
			if after := snapshot(t, ts.Store); after != before {
				t.Fatalf("a bad request changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	code, _ := ts.do(t, "GET", api.PathStatus, nil)
	if code != http.StatusMethodNotAllowed {
		t.Errorf("GET %s = %d, want 405", api.PathStatus, code)
	}
}

// When the store cannot write, acks are not given: errcode is non-zero so
// the agent sends again.
func TestNoAckWhenNotStored(t *testing.T) {
	ts := newTestServer(t)
	ts.Store.Close()
	for _, c := range []struct{ path, body string }{
		{api.PathJobResult, `[{"id":"x","errcode":0,"message":""}]`},
		{api.PathEvents, `[{"time":1,"type":"exited"}]`},
		{api.PathStatus, `{"hostname":"web","agentsn":"sn"}`},
	} {
		code, body := ts.do(t, "POST", c.path, []byte(c.body))
		var a api.Ack
		if json.Unmarshal(body, &a) != nil || a.Errcode == 0 || code < 500 {
			t.Errorf("%s on a closed store: %d %s, want 5xx and errcode != 0", c.path, code, body)
		}
	}
}

func TestAdminEndpoints(t *testing.T) {
	ts := newTestServer(t)
	report(t, ts.Store, statusDoc("web-1", "sn-1", "A", "B"))
	report(t, ts.Store, statusDoc("web-2", "sn-2"))

	var hosts []api.HostInfo
	ts.call(t, "GET", api.PathAdminHosts, nil, 200, &hosts)
	if len(hosts) != 2 || hosts[0].Hostname != "web-1" || hosts[0].AgentCount != 2 || !hosts[0].Live ||
		hosts[0].LastSeen != ts.clk.Unix() || hosts[0].Status != nil {
		t.Fatalf("hosts = %+v", hosts)
	}
	var host api.HostInfo
	ts.call(t, "GET", api.PathAdminHosts+"/web-1", nil, 200, &host)
	if host.AgentSN != "sn-1" || host.Status == nil || len(host.Status.Agents) != 2 {
		t.Fatalf("host = %+v", host)
	}
	ts.call(t, "PUT", api.PathAdminHosts+"/sn-1/tags", api.TagsRequest{Tags: "service=ecs"}, 200, &host)
	if host.Tags != "service=ecs" {
		t.Fatalf("tags = %q", host.Tags)
	}
	var agents []api.AgentInfo
	ts.call(t, "GET", api.PathAdminHosts+"/web-1/agents", nil, 200, &agents)
	if len(agents) != 2 || agents[0].Name != "A" || agents[0].Status != "running" || agents[0].Pid != 100 {
		t.Fatalf("agents = %+v", agents)
	}

	req := installReq("web-1", "A")
	req.Envs = map[string]string{"PATH": "/usr/bin"}
	req.Limits = api.JobLimits{CPU: "10%", Memory: "20M"}
	var j api.JobInfo
	ts.call(t, "POST", api.PathAdminJobs, req, 201, &j)
	if j.State != api.JobQueued || j.Host != "sn-1" || j.Hostname != "web-1" || j.Envs != nil || !slices.Equal(j.EnvNames, []string{"PATH"}) ||
		j.Limits.Memory != "20M" {
		t.Fatalf("added job = %+v", j)
	}
	// Limits keys are case-insensitive on input, as on the wire.
	code, body := ts.do(t, "POST", api.PathAdminJobs,
		[]byte(`{"host":"sn-2","action":"start","name":"B","limits":{"CPU":"50%"}}`))
	if code != 201 || !strings.Contains(string(body), `"cpu":"50%"`) {
		t.Fatalf("job with CPU limit: %d %s", code, body)
	}
	var got api.JobInfo
	ts.call(t, "GET", api.PathAdminJobs+"/"+j.ID, nil, 200, &got)
	if got.ID != j.ID || got.URL != req.URL {
		t.Fatalf("job = %+v", got)
	}
	var jobs []api.JobInfo
	ts.call(t, "GET", api.PathAdminJobs+"?host=web-1", nil, 200, &jobs)
	if len(jobs) != 1 || jobs[0].ID != j.ID {
		t.Fatalf("jobs of web-1 = %+v", jobs)
	}
	ts.call(t, "GET", api.PathAdminJobs+"?state=queued&limit=1", nil, 200, &jobs)
	if len(jobs) != 1 || jobs[0].Host != "sn-2" {
		t.Fatalf("last queued job = %+v", jobs)
	}

	doc := statusDoc("web-2", "sn-2")
	doc.Events = []api.Event{{Time: 9, Agent: "B", Type: "fatal", Message: "gave up"}}
	report(t, ts.Store, doc)
	var evs []api.EventInfo
	ts.call(t, "GET", api.PathAdminEvents+"?host=web-2", nil, 200, &evs)
	if len(evs) != 1 || evs[0].Type != "fatal" || evs[0].Hostname != "web-2" {
		t.Fatalf("events = %+v", evs)
	}
	ts.call(t, "GET", api.PathAdminEvents+"?host=web-1", nil, 200, &evs)
	if len(evs) != 0 {
		t.Fatalf("events of web-1 = %+v", evs)
	}
	var health map[string]any
	ts.call(t, "GET", "/healthz", nil, 200, &health)
}

func TestBadAdminRequests(t *testing.T) {
	ts := newTestServer(t)
	report(t, ts.Store, statusDoc("web", "sn", "A"))
	before := snapshot(t, ts.Store)
	install := func(mod func(m map[string]any)) string {
		m := map[string]any{"host": "web", "action": "install", "name": "A", "url": "http://r/a.tgz", "checksum": sum64}
		mod(m)
		return string(mustJSON(t, m))
	}
	for _, c := range []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"bad action", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["action"] = "reboot" }), 400, "unknown action"},
		{"bad name", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["name"] = "a b" }), 400, "invalid"},
		{"missing checksum", "POST", api.PathAdminJobs, install(func(m map[string]any) { delete(m, "checksum") }), 400, "checksum"},
		{"missing url", "POST", api.PathAdminJobs, install(func(m map[string]any) { delete(m, "url") }), 400, "url"},
		{"unknown host", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["host"] = "nowhere" }), 404, `unknown host "nowhere"`},
		{"no host", "POST", api.PathAdminJobs, install(func(m map[string]any) { delete(m, "host") }), 400, "host is required"},
		{"unknown field", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["checksun"] = "x" }), 400, "unknown field"},
		{"wrong type", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["step"] = "10" }), 400, "malformed JSON"},
		{"bad limits key", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["limits"] = map[string]string{"disk": "1G"} }), 400, "unknown key"},
		{"malformed", "POST", api.PathAdminJobs, `{"host":`, 400, "malformed JSON"},
		{"trailing", "POST", api.PathAdminJobs, install(func(map[string]any) {}) + `{}`, 400, "after the object"},
		{"oversized", "POST", api.PathAdminJobs, install(func(m map[string]any) { m["url"] = strings.Repeat("u", api.MaxBody) }), 400, "over"},
		{"tags unknown host", "PUT", api.PathAdminHosts + "/nowhere/tags", `{"tags":"x"}`, 404, "unknown host"},
		{"tags malformed", "PUT", api.PathAdminHosts + "/web/tags", `{"tags":1}`, 400, "malformed JSON"},
		{"agents unknown host", "GET", api.PathAdminHosts + "/nowhere/agents", ``, 404, "unknown host"},
		{"host unknown", "GET", api.PathAdminHosts + "/nowhere", ``, 404, "unknown host"},
		{"jobs unknown host", "GET", api.PathAdminJobs + "?host=nowhere", ``, 404, "unknown host"},
		{"jobs bad state", "GET", api.PathAdminJobs + "?state=done", ``, 400, "state"},
		{"jobs bad limit", "GET", api.PathAdminJobs + "?limit=-1", ``, 400, "limit"},
		{"job unknown", "GET", api.PathAdminJobs + "/nope", ``, 404, "unknown job"},
		{"events unknown host", "GET", api.PathAdminEvents + "?host=nowhere", ``, 404, "unknown host"},
		{"no endpoint", "GET", "/admin/nothing", ``, 404, "no such endpoint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := ts.do(t, c.method, c.path, []byte(c.body))
			var e api.AdminError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("answer %s: %v", body, err)
			}
			if code != c.code || !strings.Contains(e.Error, c.msg) {
				t.Fatalf("%d %q, want %d with %q", code, e.Error, c.code, c.msg)
			}
			if after := snapshot(t, ts.Store); after != before {
				t.Fatalf("a bad request changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	s, _ := openStore(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() { done <- New(s, testLogger(t)).Serve(sctx, ln) }()
	url := "http://" + ln.Addr().String()
	resp, err := http.Post(url+api.PathRegister, "application/json", strings.NewReader(`{"hostname":"h","agentsn":"a"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("server still answering after shutdown")
	}
}
