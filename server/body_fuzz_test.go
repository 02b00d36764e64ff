package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// Fuzz targets for request bodies (SPEC §7: bodies from the network are
// validated before they are stored). One real server on 127.0.0.1 over
// one store serves every input of a fuzzing process. For every body: the
// answer is JSON with a code an agent knows how to treat (200/201 stored,
// 400 refused, 404/409 for admin lookups, 503 retry), never a 500 (input
// that validation let through and the store then refused) nor a dropped
// connection (a panic). What the server stores and hands out is what an
// agent accepts. `go test` runs the seeds in testdata/fuzz/FuzzXxx;
// `make fuzz` mutates.

const (
	fuzzHost = "fuzz-host"
	fuzzSN   = "fuzz-sn"
)

// fuzzServer starts the server and registers the host the seeds report
// for, with one job queued so status answers carry jobs.
func fuzzServer(f *testing.F) *testServer {
	s, clk := openStore(f)
	srv := New(s, testLogger(f))
	srv.SetOpenEnrollment(true)
	hs := httptest.NewServer(srv.Handler())
	f.Cleanup(hs.Close)
	cred := enrolled(f, s, fuzzHost, fuzzSN)
	addJob(f, s, installReq(fuzzHost, "BasicAgent"))
	return &testServer{Store: s, clk: clk, url: hs.URL, token: adminToken(f, s, api.RoleAdmin).Token,
		creds: map[string]string{fuzzSN: cred}, lastSN: fuzzSN}
}

// post sends body and checks the answer's envelope; it returns the code
// and the answer.
func (ts *testServer) post(t *testing.T, path string, body []byte, codes ...int) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	ts.authorizeReq(t, req, ts.token, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v (did the handler panic?)", path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the answer: %v", path, err)
	}
	ts.noteCred(path, answer)
	if !slices.Contains(codes, resp.StatusCode) {
		t.Fatalf("POST %s: HTTP %d %s, want one of %v", path, resp.StatusCode, answer, codes)
	}
	if !json.Valid(answer) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST %s: answer is not JSON: %q", path, answer)
	}
	return resp.StatusCode, answer
}

// checkAgentAck: a 200 says errcode 0, anything else a non-zero errcode,
// so the agent never takes a refusal for "stored".
func checkAgentAck(t *testing.T, code int, answer []byte) {
	t.Helper()
	var a struct {
		Errcode *int `json:"errcode"`
	}
	if err := json.Unmarshal(answer, &a); err != nil || a.Errcode == nil {
		t.Fatalf("answer %s has no errcode (%v)", answer, err)
	}
	if (code == http.StatusOK) != (*a.Errcode == 0) {
		t.Fatalf("HTTP %d with errcode %d", code, *a.Errcode)
	}
}

// FuzzRegisterBody: an accepted registration hands back an agentsn the
// agent can persist (else it would register again at every start).
func FuzzRegisterBody(f *testing.F) {
	ts := fuzzServer(f)
	f.Add([]byte(`{"hostname":"web-17","agentsn":"bfdcc18c-0d7e-4c1e-9d0a-3f1e2d4c5b6a"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		code, answer := ts.post(t, api.PathRegister, body, 200, 400, 429, 503)
		var r api.RegisterResponse
		if err := json.Unmarshal(answer, &r); err != nil {
			t.Fatalf("answer %s: %v", answer, err)
		}
		if (code == 200) != (r.Status == 0) {
			t.Fatalf("HTTP %d with status %d", code, r.Status)
		}
		if code != 200 {
			return
		}
		if err := api.ValidateAgentSN(r.AgentSN); err != nil {
			t.Errorf("registered under an agentsn the agent refuses: %v", err)
		}
	})
}

// FuzzStatusBody: an accepted report gets jobs every one of which the
// agent accepts.
func FuzzStatusBody(f *testing.F) {
	ts := fuzzServer(f)
	f.Add([]byte(`{"hostname":"fuzz-host","agentsn":"fuzz-sn","version":"bootagent-1.2.4-x86_64","uptime":5,"timestamp":1764170000,"step":60,"agents":[],"events":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		code, answer := ts.post(t, api.PathStatus, body, 200, 400, 503)
		checkAgentAck(t, code, answer)
		if code != 200 {
			return
		}
		checkJobsAccepted(t, answer)
	})
}

// FuzzResultsBody: results are stored or refused as a whole.
func FuzzResultsBody(f *testing.F) {
	ts := fuzzServer(f)
	f.Add([]byte(`[{"id":"ddc8a9b9-0d7e-4c1e-9d0a-3f1e2d4c5b6a","errcode":0,"message":"done"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		code, answer := ts.post(t, api.PathJobResult, body, 200, 400, 503)
		checkAgentAck(t, code, answer)
	})
}

// FuzzEventsBody: pushed events are stored or refused as a whole, with or
// without the host named.
func FuzzEventsBody(f *testing.F) {
	ts := fuzzServer(f)
	f.Add([]byte(`[{"time":1764170000,"agent":"BasicAgent","type":"exited","message":"exit 1","log_tail":"boom"}]`), false)
	f.Fuzz(func(t *testing.T, body []byte, named bool) {
		path := api.PathEvents
		if named {
			path += "?agentsn=" + fuzzSN
		}
		code, answer := ts.post(t, path, body, 200, 400, 503)
		checkAgentAck(t, code, answer)
	})
}

// FuzzAdminJobBody: a job the admin API accepts is one the agent accepts
// when it is delivered (the server must never queue a job every agent
// would refuse).
func FuzzAdminJobBody(f *testing.F) {
	ts := fuzzServer(f)
	f.Add([]byte(`{"host":"fuzz-host","action":"install","name":"BasicAgent","url":"https://repo.example/BasicAgent-1.5.6.tar.gz","checksum":"SHA256:4a34b8d7d3009bb9ef9475fbf33e7bbe4a1e8db003aefc578a241c2f51c2c2f2"}`))
	report := statusDoc(fuzzHost, fuzzSN)
	rawReport, err := json.Marshal(report)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, answer := ts.post(t, api.PathAdminJobs, body, 201, 400, 404, 409, 503)
		if code != http.StatusCreated {
			return
		}
		var info api.JobInfo
		if err := json.Unmarshal(answer, &info); err != nil {
			t.Fatalf("answer %s: %v", answer, err)
		}
		if err := api.ValidateJob(info.Job); err != nil {
			t.Errorf("queued a job the agent refuses: %v\n%s", err, body)
		}
		if info.Host != fuzzSN {
			return // another host the fuzzer made: nothing reports for it
		}
		// Deliver it the way an agent sees it, then settle every delivered
		// job, refused ones too, so the queue stays short and one failure
		// does not repeat in every later input.
		_, statusAnswer := ts.post(t, api.PathStatus, rawReport, 200)
		resp, bad, err := api.DecodeStatusAnswer(statusAnswer)
		if err != nil {
			t.Fatalf("the agent cannot decode the status answer: %v\n%s", err, statusAnswer)
		}
		var results []api.JobResult
		delivered := false
		for _, j := range resp.Jobs {
			delivered = delivered || j.ID == info.ID
			results = append(results, api.JobResult{ID: j.ID, Errcode: 0, Message: "fuzz"})
		}
		for _, b := range bad {
			t.Errorf("the server delivered a job the agent refuses: %s", b.Message)
			delivered = delivered || b.ID == info.ID
			results = append(results, b.Result())
		}
		if !delivered {
			t.Errorf("job %s queued but not delivered (%d jobs delivered)", info.ID, len(resp.Jobs)+len(bad))
		}
		if len(results) == 0 {
			return
		}
		rb, err := json.Marshal(results)
		if err != nil {
			t.Fatal(err)
		}
		ts.post(t, api.PathJobResult, rb, 200)
	})
}

// checkJobsAccepted decodes a status answer as the agent does: no job may
// be rejected.
func checkJobsAccepted(t *testing.T, answer []byte) []api.Job {
	t.Helper()
	resp, bad, err := api.DecodeStatusAnswer(answer)
	if err != nil {
		t.Fatalf("the agent cannot decode the status answer: %v\n%s", err, answer)
	}
	for _, b := range bad {
		t.Errorf("the server delivered a job the agent refuses: %s", b.Message)
	}
	return resp.Jobs
}
