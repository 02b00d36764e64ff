package webui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// The rollout pages on the server's real rollout engine (StoreRollouts):
// a rollout created through the store is listed with its waves and hosts;
// an admin pauses it from the page (recorded with the token id, as the CLI
// would), a second pause is refused (409), and an unknown id is 404.
func TestStoreRolloutsPages(t *testing.T) {
	f := newFixture(t, fixtureOpts{storeRollouts: true})
	for i := 1; i <= 3; i++ {
		f.report(t, doc("web-"+string(rune('0'+i)), sn(i), api.AgentStatus{Name: "mon", Status: "running", Version: "1.0"}))
	}
	info, _, err := f.store.CreateRollout(t.Context(), api.RolloutRequest{
		Job: api.JobRequest{Action: "upgrade", Name: "mon", URL: "https://repo.example/mon-2.0.tar.gz",
			Checksum: "SHA256:" + strings.Repeat("ab", 32)},
		All: true, Waves: "1,100%",
	}, f.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	admin := f.signedIn(t, f.admin.Token)
	_, body := admin.get("/rollouts")
	if !strings.Contains(body, info.ID) || !strings.Contains(body, "running") {
		t.Fatalf("rollouts page lacks %s running:\n%s", info.ID, body)
	}
	_, body = admin.get("/rollouts/" + info.ID)
	for _, w := range []string{"web-1", "web-2", "web-3", `action="/rollouts/` + info.ID + `/pause"`} {
		if !strings.Contains(body, w) {
			t.Errorf("rollout page lacks %q", w)
		}
	}
	if resp := admin.post("/rollouts/"+info.ID+"/pause", url.Values{"csrf": {admin.csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause as admin: %d, want 303", resp.StatusCode)
	}
	got, err := f.store.Rollout(t.Context(), info.ID, serverPage())
	if err != nil || got.State != api.RolloutPaused || got.Reason != "manual" {
		t.Fatalf("after pause: %+v, %v", got, err)
	}
	if resp := admin.post("/rollouts/"+info.ID+"/pause", url.Values{"csrf": {admin.csrf}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("pause a paused rollout: %d, want 409", resp.StatusCode)
	}
	if resp, _ := admin.get("/rollouts/no-such-rollout"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown rollout: %d, want 404", resp.StatusCode)
	}
}

func serverPage() server.RolloutHostsPage { return server.RolloutHostsPage{} }
