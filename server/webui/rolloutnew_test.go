package webui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// seedRolloutFleet reports web-1..3 running mon 1.0; web-1 and web-2 are
// tagged role=web.
func seedRolloutFleet(t *testing.T, f *fixture) {
	t.Helper()
	for i := 1; i <= 3; i++ {
		f.report(t, doc("web-"+string(rune('0'+i)), sn(i), api.AgentStatus{Name: "mon", Status: "running", Version: "1.0"}))
	}
	for i := 1; i <= 2; i++ {
		if _, err := f.store.SetTags(t.Context(), sn(i), "role=web"); err != nil {
			t.Fatal(err)
		}
	}
}

func rolloutCount(t *testing.T, f *fixture) int {
	t.Helper()
	ros, err := f.store.Rollouts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return len(ros)
}

// goodRollout is a valid new-rollout form for b's session.
func goodRollout(b *browser, do string) url.Values {
	return url.Values{"csrf": {b.csrf}, "do": {do}, "action": {"upgrade"}, "name": {"mon"},
		"url": {"https://repo.example/mon-2.0.tar.gz"}, "checksum": {"SHA256:" + strings.Repeat("ab", 32)},
		"pick": {"selector"}, "selector": {"role=web"}, "waves": {"1,100%"}, "max_failures": {"1"},
		"envs": {"SECRET=hunter2-value"}}
}

// The new-rollout form on the real rollout engine (StoreRollouts): only
// an admin sees it and may post it (CSRF and same origin); each mistake
// shows the form again with the store's own reason, keeping what was typed
// but never an env value; a preview is the store's dry run and changes
// nothing; create records the session's token id and lands on the
// rollout's page.
func TestNewRollout(t *testing.T) {
	f := newFixture(t, fixtureOpts{storeRollouts: true})
	seedRolloutFleet(t, f)
	admin := f.signedIn(t, f.admin.Token)
	read := f.signedIn(t, f.read.Token)

	_, body := read.get("/rollouts")
	if strings.Contains(body, `href="/rollouts/new"`) {
		t.Fatalf("a read session sees the new-rollout link:\n%s", body)
	}
	if resp, body := read.get("/rollouts/new"); resp.StatusCode != http.StatusForbidden || strings.Contains(body, `action="/rollouts/new"`) {
		t.Fatalf("GET /rollouts/new as read: %d, want 403 and no form\n%s", resp.StatusCode, body)
	}
	_, body = admin.get("/rollouts")
	if !strings.Contains(body, `href="/rollouts/new"`) {
		t.Fatalf("an admin sees no new-rollout link:\n%s", body)
	}
	if resp, body := admin.get("/rollouts/new"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/rollouts/new"`) {
		t.Fatalf("GET /rollouts/new as admin: %d, want 200 and the form\n%s", resp.StatusCode, body)
	}

	set := func(v url.Values, kv ...string) url.Values {
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name    string
		b       *browser
		form    url.Values
		hdr     []string
		status  int
		body    []string // the answer holds each
		created bool
	}{
		{name: "read role is refused", b: read, form: goodRollout(read, "create"), status: 403, body: []string{"role read"}},
		{name: "no CSRF token", b: admin, form: set(goodRollout(admin, "create"), "csrf", ""), status: 403},
		{name: "another session's CSRF token", b: admin, form: goodRollout(read, "create"), status: 403},
		{name: "from another origin", b: admin, form: goodRollout(admin, "create"),
			hdr: []string{"Origin", "https://evil.example", "Sec-Fetch-Site", ""}, status: 403},
		{name: "from another site", b: admin, form: goodRollout(admin, "create"),
			hdr: []string{"Origin", "", "Sec-Fetch-Site", "cross-site"}, status: 403},
		{name: "bad selector", b: admin, form: set(goodRollout(admin, "create"), "selector", "role=web,=x"), status: 400,
			body: []string{`selector term &#34;=x&#34; is not k=v, k!=v, k or !k`, `value="role=web,=x"`}},
		{name: "bad waves", b: admin, form: set(goodRollout(admin, "preview"), "waves", "1,lots"), status: 400,
			body: []string{`wave &#34;lots&#34; is not a count N or a percentage P%`, `value="1,lots"`}},
		{name: "unknown action", b: admin, form: set(goodRollout(admin, "create"), "action", "explode"), status: 400,
			body: []string{`unknown action &#34;explode&#34;`}},
		{name: "missing checksum", b: admin, form: set(goodRollout(admin, "create"), "checksum", ""), status: 400,
			body: []string{"upgrade needs a checksum", `value="https://repo.example/mon-2.0.tar.gz"`}},
		{name: "bad duration", b: admin, form: set(goodRollout(admin, "create"), "soak", "forever"), status: 400,
			body: []string{`soak &#34;forever&#34; is not a duration`, `value="forever"`}},
		{name: "no host picked", b: admin, form: set(goodRollout(admin, "create"), "pick", ""), status: 400,
			body: []string{"pick the hosts"}},
		{name: "no host matches", b: admin, form: set(goodRollout(admin, "create"), "selector", "role=db"), status: 400,
			body: []string{"no host matches"}},
		{name: "bad env line", b: admin, form: set(goodRollout(admin, "create"), "envs", "novalue"), status: 400,
			body: []string{"NAME=value"}},
		{name: "env value not typed again", b: admin, form: set(goodRollout(admin, "create"), "envs", "", "env_names", "SECRET"),
			status: 400, body: []string{"env SECRET has no value"}},
		{name: "preview is the dry run", b: admin, form: goodRollout(admin, "preview"), status: 200,
			body: []string{`id="plan"`, "halts at failure 2 (max failures 1)", "web-1", "web-2", `name="env_names" value="SECRET"`}},
		{name: "admin creates it", b: admin, form: goodRollout(admin, "create"), status: 303, created: true},
		{name: "a second rollout on the same pairs", b: admin, form: set(goodRollout(admin, "create"), "pick", "all"), status: 400,
			body: []string{`agent &#34;mon&#34; is already in an active rollout on 2 host(s)`, `value="all" checked`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, jobsBefore := rolloutCount(t, f), jobCount(t, f)
			resp, body := tt.b.postBody("/rollouts/new", tt.form, tt.hdr...)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST /rollouts/new: %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			for _, want := range tt.body {
				if !strings.Contains(body, want) {
					t.Errorf("answer lacks %q:\n%s", want, body)
				}
			}
			if strings.Contains(body, "hunter2") {
				t.Errorf("answer echoes an env value:\n%s", body)
			}
			n := rolloutCount(t, f) - before
			if n != map[bool]int{false: 0, true: 1}[tt.created] {
				t.Fatalf("%d rollouts created", n)
			}
			if !tt.created && jobCount(t, f) != jobsBefore {
				t.Fatalf("jobs queued without a rollout created")
			}
			if tt.created {
				ros, _ := f.store.Rollouts(t.Context())
				ro := ros[0]
				if ro.TokenID != f.admin.ID || ro.Total != 2 || ro.MaxFailures != 1 || len(ro.Waves) != 2 {
					t.Fatalf("created %+v: want 2 hosts in 2 waves, max failures 1, by token %s", ro, f.admin.ID)
				}
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/rollouts/"+ro.ID+"?") {
					t.Fatalf("create lands on %q, want /rollouts/%s", loc, ro.ID)
				}
			}
		})
	}
}

// The fake Rollouts (what a lead's other engine would plug in) serves the
// same form: its refusal is shown, its create is recorded with the token.
func TestNewRolloutFake(t *testing.T) {
	f := newFixture(t, fixtureOpts{rollouts: true})
	admin := f.signedIn(t, f.admin.Token)
	form := url.Values{"csrf": {admin.csrf}, "do": {"create"}, "action": {"restart"}, "name": {"mon"}, "pick": {"all"}}
	resp := admin.post("/rollouts/new", form)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/rollouts/r-2?") {
		t.Fatalf("create: %d to %q, want 303 to /rollouts/r-2", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := f.rollouts.actions(); len(got) != 1 || got[0] != "r-2 create "+f.admin.ID {
		t.Fatalf("fake saw %v", got)
	}
	form.Set("action", "explode")
	if resp, body := admin.postBody("/rollouts/new", form); resp.StatusCode != 400 || !strings.Contains(body, "unknown action") {
		t.Fatalf("unknown action: %d\n%s", resp.StatusCode, body)
	}
}

// What the form echoes (typed values, the store's messages quoting them,
// host names in a preview) is text, never markup.
func TestNewRolloutEchoIsEscaped(t *testing.T) {
	f := newFixture(t, fixtureOpts{storeRollouts: true})
	const hostname = `x"><script>alert(1)<` // a hostname may not hold spaces or slashes
	f.report(t, doc(hostname, sn(7), api.AgentStatus{Name: "mon", Status: "running", Version: "1.0"}))
	b := f.signedIn(t, f.admin.Token)
	hostile := `"><script>alert('typed')</script>`
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{name: "typed values and the store's message", status: 400,
			form: url.Values{"action": {"restart"}, "name": {"mon"}, "pick": {"selector"}, "selector": {hostile},
				"waves": {hostile}, "soak": {hostile}},
			want: []string{`value="&#34;&gt;&lt;script&gt;alert(&#39;typed&#39;)&lt;/script&gt;"`,
				`wave &#34;\&#34;&gt;&lt;script&gt;alert(&#39;typed&#39;)&lt;/script&gt;&#34; is not a count`}},
		{name: "a hostile host name in the preview", status: 200,
			form: url.Values{"action": {"restart"}, "name": {"mon"}, "pick": {"hosts"}, "hosts": {sn(7)}, "do": {"preview"}},
			want: []string{`<span class="planhost">x&#34;&gt;&lt;script&gt;alert(1)&lt;</span>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", b.csrf)
			resp, body := b.postBody("/rollouts/new", tt.form)
			if resp.StatusCode != tt.status {
				t.Fatalf("POST /rollouts/new: %d, want %d\n%s", resp.StatusCode, tt.status, body)
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("answer carries <script>alert unescaped:\n%s", body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("answer lacks the escaped text %q:\n%s", w, body)
				}
			}
		})
	}
}
