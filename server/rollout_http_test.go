package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// The rollout endpoints of SPEC §11 over real HTTP: a read token may list
// and show (403 on every action), an admin token creates and acts, and
// the creating token's id is recorded on the rollout.
func TestRolloutHTTPEndpoints(t *testing.T) {
	ts := newTestServer(t)
	for _, sn := range []string{"sn-1", "sn-2"} {
		doc := statusDoc("host-"+sn, sn)
		doc.Agents = []api.AgentStatus{{Name: "mon", Version: "1", DesiredVersion: "1", Status: "running"}}
		report(t, ts.Store, doc)
	}
	admin := adminToken(t, ts.Store, api.RoleAdmin)
	read := adminToken(t, ts.Store, api.RoleRead)
	req := api.RolloutRequest{Job: api.JobRequest{Action: api.ActionUpgrade, Name: "mon", URL: "http://repo.example/mon-2.tgz",
		Checksum: sum64}, All: true, Waves: "1,100%"}
	body := mustJSON(t, req)

	if code, b := ts.doAs(t, read.Token, "POST", api.PathAdminRollouts, body); code != http.StatusForbidden {
		t.Fatalf("create with a read token: %d %s, want 403", code, b)
	}
	if code, b := ts.doAs(t, "", "GET", api.PathAdminRollouts, nil); code != http.StatusUnauthorized {
		t.Fatalf("list with no token: %d %s, want 401", code, b)
	}
	dry := req
	dry.DryRun = true
	code, b := ts.doAs(t, admin.Token, "POST", api.PathAdminRollouts, mustJSON(t, dry))
	var plan api.RolloutPlan
	if code != http.StatusOK || json.Unmarshal(b, &plan) != nil || len(plan.Waves) != 2 || len(plan.Waves[0]) != 1 {
		t.Fatalf("dry run: %d %s", code, b)
	}
	code, b = ts.doAs(t, admin.Token, "POST", api.PathAdminRollouts, body)
	var ro api.RolloutInfo
	if code != http.StatusCreated || json.Unmarshal(b, &ro) != nil || ro.ID != plan.ID {
		t.Fatalf("create: %d %s (dry run said id %s)", code, b, plan.ID)
	}
	if ro.TokenID != admin.ID || ro.State != api.RolloutRunning || ro.Total != 2 {
		t.Fatalf("created rollout %+v, want running over 2 hosts by token %s", ro, admin.ID)
	}
	if code, b := ts.doAs(t, admin.Token, "POST", api.PathAdminRollouts, body); code != http.StatusConflict {
		t.Fatalf("a second rollout on the same pairs: %d %s, want 409", code, b)
	}

	var list []api.RolloutInfo
	code, b = ts.doAs(t, read.Token, "GET", api.PathAdminRollouts, nil)
	if code != http.StatusOK || json.Unmarshal(b, &list) != nil || len(list) != 1 || list[0].ID != ro.ID {
		t.Fatalf("list with a read token: %d %s", code, b)
	}
	var shown api.RolloutInfo
	code, b = ts.doAs(t, read.Token, "GET", api.PathAdminRollouts+"/"+ro.ID+"?hosts=1", nil)
	if code != http.StatusOK || json.Unmarshal(b, &shown) != nil || len(shown.Hosts) != 2 || shown.HaltsAtFailure != 1 {
		t.Fatalf("show with a read token: %d %s", code, b)
	}
	if code, b := ts.doAs(t, read.Token, "GET", api.PathAdminRollouts+"/ro-nosuch", nil); code != http.StatusNotFound {
		t.Fatalf("show an unknown rollout: %d %s, want 404", code, b)
	}
	for _, action := range []string{"pause", "resume", "abort", "rollback"} {
		if code, b := ts.doAs(t, read.Token, "POST", api.PathAdminRollouts+"/"+ro.ID+"/"+action, nil); code != http.StatusForbidden {
			t.Errorf("%s with a read token: %d %s, want 403", action, code, b)
		}
	}
	if code, b := ts.doAs(t, admin.Token, "POST", api.PathAdminRollouts+"/"+ro.ID+"/explode", nil); code != http.StatusBadRequest {
		t.Errorf("an unknown action: %d %s, want 400", code, b)
	}
	for _, step := range []struct{ action, state string }{
		{"pause", api.RolloutPaused}, {"resume", api.RolloutRunning}, {"abort", api.RolloutAborted},
	} {
		var got api.RolloutInfo
		code, b := ts.doAs(t, admin.Token, "POST", api.PathAdminRollouts+"/"+ro.ID+"/"+step.action, nil)
		if code != http.StatusOK || json.Unmarshal(b, &got) != nil || got.State != step.state {
			t.Fatalf("%s: %d %s, want state %s", step.action, code, b, step.state)
		}
	}
	if code, b := ts.doAs(t, admin.Token, "POST", api.PathAdminRollouts+"/"+ro.ID+"/resume", nil); code != http.StatusConflict {
		t.Errorf("resume an aborted rollout: %d %s, want 409", code, b)
	}
}
