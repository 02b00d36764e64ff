package api

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/syntax"
)

// Fuzz targets for what a control server answers (SPEC §7: bad answers
// never crash or stall the agent). `go test` runs the seeds in
// testdata/fuzz/FuzzXxx; `make fuzz` mutates.

// FuzzDecodeStatusAnswer checks the client's reading of a status answer:
// every job is either returned valid or rejected, none is lost; a returned
// job names an agent that is safe as a path element; and a rejected job is
// reported only under an id the server can take back, since a result the
// server refuses would block every result queued after it.
func FuzzDecodeStatusAnswer(f *testing.F) {
	f.Add([]byte(`{"errcode":0,"jobs":[{"id":"j1","action":"restart","name":"a"}]}`))
	f.Fuzz(func(t *testing.T, answer []byte) {
		resp, bad, err := DecodeStatusAnswer(answer)
		if err != nil {
			if len(resp.Jobs) > 0 || len(bad) > 0 {
				t.Fatalf("an undecodable answer returned %d jobs and %d rejects", len(resp.Jobs), len(bad))
			}
			return
		}
		var raw struct {
			Jobs []json.RawMessage `json:"jobs"`
		}
		if json.Unmarshal(answer, &raw) == nil && len(raw.Jobs) != len(resp.Jobs)+len(bad) {
			t.Errorf("%d jobs in the answer, %d accepted + %d rejected", len(raw.Jobs), len(resp.Jobs), len(bad))
		}
		for _, j := range resp.Jobs {
			checkValidJob(t, j)
		}
		for _, e := range bad {
			checkReportableReject(t, e)
		}
	})
}

// FuzzValidateJob checks ValidateJob field by field (quicker to explore
// than JSON): what it accepts is a job the daemon can act on safely.
func FuzzValidateJob(f *testing.F) {
	f.Add("j1", ActionInstall, "BasicAgent", "https://repo.example/a.tgz", "SHA256:"+strings.Repeat("ab", 32), "", int64(0), "PATH", "/usr/bin")
	f.Fuzz(func(t *testing.T, id, action, name, url, checksum, svrlist string, step int64, envKey, envVal string) {
		j := Job{ID: id, Action: action, Name: name, URL: url, Checksum: checksum, Svrlist: svrlist, Step: step,
			Envs: map[string]string{envKey: envVal}}
		if ValidateJob(j) != nil {
			return
		}
		checkValidJob(t, j)
	})
}

// FuzzDecodeRegisterAnswer checks that an accepted register answer says
// "registered" and carries an agentsn the agent can persist and send back.
func FuzzDecodeRegisterAnswer(f *testing.F) {
	f.Add([]byte(`{"status":0,"agentsn":"bfdcc18c-0d7e-4c1e-9d0a-3f1e2d4c5b6a","tags":"env=prod"}`))
	f.Fuzz(func(t *testing.T, answer []byte) {
		r, err := decodeRegisterAnswer(answer)
		if err != nil {
			if r != (RegisterResponse{}) {
				t.Errorf("a refused answer returned %+v", r)
			}
			return
		}
		if r.Status != 0 {
			t.Errorf("accepted an answer with status %d", r.Status)
		}
		if r.AgentSN == "" {
			return
		}
		if err := ValidateAgentSN(r.AgentSN); err != nil {
			t.Errorf("accepted agentsn %q: %v", r.AgentSN, err)
		}
		dir := t.TempDir()
		if err := SaveAgentSN(dir, r.AgentSN); err != nil {
			t.Fatalf("accepted agentsn %q cannot be saved: %v", r.AgentSN, err)
		}
		got, err := LoadOrCreateAgentSN(dir)
		if err != nil || got != r.AgentSN {
			t.Errorf("saved agentsn %q loads back as %q, %v", r.AgentSN, got, err)
		}
	})
}

// checkValidJob is what every job that passed validation must be.
func checkValidJob(t *testing.T, j Job) {
	t.Helper()
	if err := ValidateJob(j); err != nil {
		t.Errorf("accepted job %+v does not re-validate: %v", j, err)
	}
	if !reportableID(j.ID) {
		t.Errorf("accepted job has id %q, which no result could be reported under", j.ID)
	}
	switch j.Action {
	case ActionInstall, ActionUpgrade, ActionUninstall, ActionRestart, ActionStop, ActionStart:
		if !pathSafe(j.Name) {
			t.Errorf("accepted %s job names %q, unsafe as a path element", j.Action, j.Name)
		}
	case ActionConfig:
		if _, err := syntax.ParseSvrlist(j.Svrlist); err != nil {
			t.Errorf("accepted config job has svrlist %q: %v", j.Svrlist, err)
		}
		if j.Step < 0 {
			t.Errorf("accepted config job has step %d", j.Step)
		}
	default:
		t.Errorf("accepted job has action %q", j.Action)
	}
	if j.Action == ActionConfig {
		return // envs mean nothing to a config job: the daemon ignores them
	}
	for k := range j.Envs {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			t.Errorf("accepted job has env name %q", k)
		}
	}
}

// checkReportableReject: a rejected job is either reported under an id
// the server accepts back in a result, or (no usable id) only logged.
func checkReportableReject(t *testing.T, e JobError) {
	t.Helper()
	if e.Message == "" {
		t.Errorf("job %d rejected without a message", e.Index)
	}
	if e.ID == "" {
		return
	}
	if !reportableID(e.ID) {
		t.Errorf("job %d rejected and reported under id %q, which the result could not carry", e.Index, e.ID)
	}
	body, err := json.Marshal([]JobResult{e.Result()})
	if err != nil || len(body) > MaxBody || bytes.Contains(body, []byte{0}) {
		t.Errorf("job %d: result of %d bytes cannot be sent: %v", e.Index, len(body), err)
	}
}

// reportableID is what bootserver takes as a job id in a result (its
// validateResults): non-empty, at most 256 bytes, no control characters.
func reportableID(id string) bool {
	if id == "" || len(id) > 256 {
		return false
	}
	for _, r := range id {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

// pathSafe is what a name must be to become a directory, log file or
// cgroup name, checked independently of syntax's regular expression.
func pathSafe(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.HasPrefix(s, ".") &&
		!strings.ContainsAny(s, "/\\\x00") && filepath.Base(s) == s && filepath.IsLocal(s)
}
