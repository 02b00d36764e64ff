package webui

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
)

// seed reports a small fleet: web-1 with a fatal agent and an event, web-2
// healthy with tags.
func seed(t *testing.T, f *fixture) {
	t.Helper()
	mem, cpu := uint64(20<<20), 1.5
	d := doc("web-1", sn(1),
		api.AgentStatus{Name: "BasicAgent", Version: "1.2.3", Status: "running", Uptime: 3700, Restarts: 2,
			Limits: map[string]string{"cpu": "10%", "memory": "20M"}, MemoryBytes: &mem, CPUUsageSeconds: &cpu},
		api.AgentStatus{Name: "Crashy", Version: "0.1", Status: "fatal", Restarts: 5, Message: "exited 1 five times"})
	d.Events = []api.Event{{Time: 1764170000, Agent: "Crashy", Type: "fatal", Message: "gave up", LogTail: "panic: boom\nline 2"}}
	f.report(t, d)
	f.report(t, doc("web-2", sn(2), api.AgentStatus{Name: "BasicAgent", Version: "1.2.3", Status: "running"}))
	if _, err := f.store.SetTags(t.Context(), sn(2), "role=web,dc=par"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AddJobAs(t.Context(), api.JobRequest{Host: "web-1", Action: "restart", Name: "Crashy"}, f.admin.ID); err != nil {
		t.Fatal(err)
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	seed(t, f)
	for _, role := range []string{api.RoleRead, api.RoleAdmin} {
		tok := map[string]string{api.RoleRead: f.read.Token, api.RoleAdmin: f.admin.Token}[role]
		b := f.signedIn(t, tok)
		tests := []struct {
			name, path string
			status     int
			want       []string
			notWant    []string
		}{
			{name: "overview", path: "/", status: 200, want: []string{"<b>2</b> hosts", "Crashy", "exited 1 five times", "gave up",
				"Rollouts are not available"}},
			{name: "hosts", path: "/hosts", status: 200, want: []string{"web-1", "web-2", "role=web", "1–2 of 2"}},
			{name: "hosts by name", path: "/hosts?q=b-2", status: 200, want: []string{"web-2", "1–1 of 1"}, notWant: []string{">web-1<"}},
			{name: "hosts by tag", path: "/hosts?tag=role%3Dweb", status: 200, want: []string{"web-2"}, notWant: []string{">web-1<"}},
			{name: "host", path: "/hosts/" + sn(1), status: 200, want: []string{"web-1", "BasicAgent", "1h 1m", "cpu 10%, memory 20M",
				"20.0 MiB", "1.5 s", "fatal", "panic: boom", "restart", "by token " + f.admin.ID}},
			{name: "host by hostname", path: "/hosts/web-2", status: 200, want: []string{"role=web"}},
			{name: "unknown host", path: "/hosts/nope", status: 404, want: []string{"unknown host"}},
			{name: "jobs", path: "/jobs", status: 200, want: []string{"Crashy", "queued"}},
			{name: "jobs by state", path: "/jobs?state=failed", status: 200, notWant: []string{"Crashy"}},
			{name: "jobs bad state", path: "/jobs?state=weird", status: 400},
			{name: "events", path: "/events", status: 200, want: []string{"gave up", "data-stream=\"/events/stream?after=", "/static/live.js"}},
			{name: "events of a host", path: "/events?host=web-2", status: 200, notWant: []string{"gave up"}},
			{name: "older events", path: "/events?before=1", status: 200, notWant: []string{"data-stream"}},
			{name: "rollouts unavailable", path: "/rollouts", status: 200, want: []string{"not available"}},
			{name: "unknown page", path: "/nope", status: 404},
			{name: "stylesheet", path: "/static/style.css", status: 200, want: []string{".badge"}},
		}
		for _, tt := range tests {
			t.Run(role+"/"+tt.name, func(t *testing.T) {
				resp, body := b.get(tt.path)
				if resp.StatusCode != tt.status {
					t.Fatalf("GET %s: %d, want %d\n%s", tt.path, resp.StatusCode, tt.status, body)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("GET %s lacks %q", tt.path, w)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(body, w) {
						t.Errorf("GET %s has %q", tt.path, w)
					}
				}
			})
		}
	}
}

func TestAPIPathsStayJSON(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	resp, body := f.browser(t).get("/admin/nope")
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(body, "{") {
		t.Fatalf("GET /admin/nope: %d %q, want a JSON error", resp.StatusCode, body)
	}
	resp, body = f.browser(t).get("/agent/nope")
	if !strings.HasPrefix(body, "{") {
		t.Fatalf("GET /agent/nope: %d %q, want a JSON error", resp.StatusCode, body)
	}
}

func TestActionControlsOnlyForAdmin(t *testing.T) {
	f := newFixture(t, fixtureOpts{rollouts: true})
	seed(t, f)
	for _, tt := range []struct {
		name, tok string
		controls  bool
	}{{name: "read", tok: f.read.Token}, {name: "admin", tok: f.admin.Token, controls: true}} {
		t.Run(tt.name, func(t *testing.T) {
			b := f.signedIn(t, tt.tok)
			for _, p := range []string{"/hosts/" + sn(1), "/jobs", "/rollouts/r-1"} {
				_, body := b.get(p)
				has := strings.Contains(body, `method="post" action="/jobs"`) || strings.Contains(body, `action="/rollouts/r-1/`)
				if has != tt.controls {
					t.Errorf("GET %s as %s: action controls shown = %v, want %v", p, tt.name, has, tt.controls)
				}
			}
		})
	}
}

func TestHostsPagination(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for i := range 60 {
		f.report(t, doc(fmt.Sprintf("h-%03d", i), sn(100+i)))
	}
	b := f.signedIn(t, f.read.Token)
	_, first := b.get("/hosts")
	if !strings.Contains(first, "1–50 of 60") || !strings.Contains(first, `href="/hosts?offset=50"`) || strings.Contains(first, "h-050") {
		t.Fatalf("first page wrong:\n%s", first)
	}
	_, second := b.get("/hosts?offset=50")
	if !strings.Contains(second, "51–60 of 60") || !strings.Contains(second, "h-059") || strings.Contains(second, ">h-049<") {
		t.Fatalf("second page wrong:\n%s", second)
	}
}
