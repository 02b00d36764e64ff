package webui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/server"
)

func jobCount(t *testing.T, f *fixture) int {
	t.Helper()
	jobs, err := f.store.JobsPage(t.Context(), server.JobPage{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(jobs)
}

func TestQueueJob(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	seed(t, f)
	admin := f.signedIn(t, f.admin.Token)
	read := f.signedIn(t, f.read.Token)
	good := func(b *browser) url.Values {
		return url.Values{"csrf": {b.csrf}, "host": {"web-2"}, "action": {"install"}, "name": {"Mon"},
			"url": {"https://pkgs.example/mon-1.0.tar.gz"}, "checksum": {"SHA256:" + strings.Repeat("ab", 32)},
			"cpu": {"10%"}, "envs": {"K=v"}}
	}
	tests := []struct {
		name   string
		b      *browser
		form   func() url.Values
		hdr    []string
		status int
		body   string
		queued bool
	}{
		{name: "read role is refused", b: read, form: func() url.Values { return good(read) }, status: 403, body: "role read"},
		{name: "no CSRF token", b: admin, form: func() url.Values { v := good(admin); v.Del("csrf"); return v }, status: 403},
		{name: "another session's CSRF token", b: admin, form: func() url.Values { return good(read) }, status: 403},
		{name: "from another origin", b: admin, form: func() url.Values { return good(admin) },
			hdr: []string{"Origin", "https://evil.example", "Sec-Fetch-Site", ""}, status: 403},
		{name: "from another site", b: admin, form: func() url.Values { return good(admin) },
			hdr: []string{"Origin", "", "Sec-Fetch-Site", "cross-site"}, status: 403},
		{name: "invalid job shows the store's reason", b: admin,
			form: func() url.Values { v := good(admin); v.Set("checksum", "md5:x"); return v }, status: 400, body: "checksum"},
		{name: "unknown action", b: admin, form: func() url.Values { v := good(admin); v.Set("action", "explode"); return v },
			status: 400, body: "unknown action"},
		{name: "unknown host", b: admin, form: func() url.Values { v := good(admin); v.Set("host", "nope"); return v },
			status: 400, body: "unknown host"},
		{name: "bad env line", b: admin, form: func() url.Values { v := good(admin); v.Set("envs", "novalue"); return v },
			status: 400, body: "NAME=value"},
		{name: "admin queues it", b: admin, form: func() url.Values { return good(admin) }, status: 303, queued: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := jobCount(t, f)
			resp, body := tt.b.postBody("/jobs", tt.form(), tt.hdr...)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST /jobs: %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			if tt.body != "" && !strings.Contains(body, tt.body) {
				t.Fatalf("answer lacks %q:\n%s", tt.body, body)
			}
			if got := jobCount(t, f) - before; got != map[bool]int{false: 0, true: 1}[tt.queued] {
				t.Fatalf("%d jobs queued", got)
			}
		})
	}
	jobs, _ := f.store.JobsPage(t.Context(), server.JobPage{Host: "web-2"})
	if len(jobs) != 1 || jobs[0].TokenID != f.admin.ID || jobs[0].Name != "Mon" || jobs[0].Limits.CPU != "10%" {
		t.Fatalf("queued job %+v: want Mon with cpu 10%% recorded as token %s", jobs, f.admin.ID)
	}
}

func TestQueueJobFromHostPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	seed(t, f)
	b := f.signedIn(t, f.admin.Token)
	resp := b.post("/jobs", url.Values{"csrf": {b.csrf}, "fixed_host": {"1"}, "host": {sn(1)}, "action": {"restart"}, "name": {"Crashy"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/hosts/"+sn(1)+"?queued=") {
		t.Fatalf("POST /jobs from the host page: %d to %q", resp.StatusCode, loc)
	}
	_, body := b.get(loc)
	if !strings.Contains(body, "queued.") {
		t.Fatalf("host page does not say the job was queued")
	}
	// A mistake shows the host page again with the form as typed.
	resp, body = b.postBody("/jobs", url.Values{"csrf": {b.csrf}, "fixed_host": {"1"}, "host": {sn(1)}, "action": {"restart"}, "name": {"bad name!"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="bad name!"`) || !strings.Contains(body, "BasicAgent") {
		t.Fatalf("bad job from the host page: %d\n%s", resp.StatusCode, body)
	}
}

func TestRolloutPages(t *testing.T) {
	f := newFixture(t, fixtureOpts{rollouts: true})
	admin := f.signedIn(t, f.admin.Token)
	read := f.signedIn(t, f.read.Token)
	_, body := read.get("/rollouts")
	if !strings.Contains(body, "r-1") || !strings.Contains(body, "r-0") || !strings.Contains(body, `<progress max="11" value="4">`) {
		t.Fatalf("rollouts page:\n%s", body)
	}
	_, body = read.get("/")
	if !strings.Contains(body, "/rollouts/r-1") || strings.Contains(body, "/rollouts/r-0") {
		t.Fatalf("overview should list the active rollout only:\n%s", body)
	}
	_, body = read.get("/rollouts/r-1")
	for _, w := range []string{`<progress max="5" value="3">`, "web-2", "&lt;script&gt;alert(&#39;r&#39;)&lt;/script&gt;"} {
		if !strings.Contains(body, w) {
			t.Errorf("rollout page lacks %q", w)
		}
	}
	if resp, _ := read.get("/rollouts/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown rollout: %d", resp.StatusCode)
	}
	if resp := read.post("/rollouts/r-1/pause", url.Values{"csrf": {read.csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("pause as read: %d, want 403", resp.StatusCode)
	}
	if resp := admin.post("/rollouts/r-1/pause", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("pause without CSRF: %d, want 403", resp.StatusCode)
	}
	if resp := admin.post("/rollouts/r-1/pause", url.Values{"csrf": {admin.csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pause as admin: %d, want 303", resp.StatusCode)
	}
	if resp := admin.post("/rollouts/r-1/pause", url.Values{"csrf": {admin.csrf}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("pause a paused rollout: %d, want 409", resp.StatusCode)
	}
	_, body = admin.get("/rollouts/r-1")
	if !strings.Contains(body, "paused") || !strings.Contains(body, `action="/rollouts/r-1/resume"`) || strings.Contains(body, `action="/rollouts/r-1/pause"`) {
		t.Fatalf("paused rollout page:\n%s", body)
	}
	if resp := admin.post("/rollouts/r-1/explode", url.Values{"csrf": {admin.csrf}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown action: %d, want 404", resp.StatusCode)
	}
	if got := f.rollouts.actions(); len(got) != 1 || got[0] != "r-1 pause "+f.admin.ID {
		t.Fatalf("actions recorded %v", got)
	}
}

func TestRolloutActions(t *testing.T) {
	tests := []struct {
		name, state string
		want        string
	}{
		{name: "running", state: "running", want: "pause abort rollback"},
		{name: "paused", state: "paused", want: "resume abort rollback"},
		{name: "rolling back", state: "rolling_back", want: "abort"},
		{name: "succeeded", state: "succeeded", want: ""},
		{name: "rolled back", state: "rolled_back", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(rolloutActions(tt.state), " "); got != tt.want {
				t.Fatalf("rolloutActions(%q) = %q, want %q", tt.state, got, tt.want)
			}
		})
	}
}
