package webui

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/internal/testlog"
	"github.com/bootagent/bootagent/server"
)

// fixture is a real store behind the real server handler with the UI
// mounted, on a real HTTP server on 127.0.0.1.
type fixture struct {
	store       *server.Store
	ts          *httptest.Server
	admin, read api.AdminTokenCreated
	log         *testlog.Buffer
	rollouts    *fakeRollouts
}

type fixtureOpts struct {
	tls      bool
	rollouts bool // the in-memory fake
	// storeRollouts: the real rollout engine of the store (StoreRollouts)
	storeRollouts bool
}

func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{log: &testlog.Buffer{}}
	log := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := server.Open(filepath.Join(t.TempDir(), "bootserver.db"), server.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	f.store = st
	if f.admin, err = st.CreateAdminToken(t.Context(), api.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if f.read, err = st.CreateAdminToken(t.Context(), api.RoleRead); err != nil {
		t.Fatal(err)
	}
	opts := Options{Log: log}
	if o.rollouts {
		f.rollouts = newFakeRollouts()
		opts.Rollouts = f.rollouts
	}
	if o.storeRollouts {
		opts.Rollouts = StoreRollouts{Store: st}
	}
	srv := server.New(st, log)
	opts.Guesses = srv.AdminGuesses()
	srv.SetUI(New(t.Context(), st, opts))
	if o.tls {
		f.ts = httptest.NewTLSServer(srv.Handler())
	} else {
		f.ts = httptest.NewServer(srv.Handler())
	}
	t.Cleanup(func() {
		f.ts.Close()
		st.Close()
	})
	return f
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each answer.
type browser struct {
	t    testing.TB
	f    *fixture
	c    *http.Client
	csrf string
}

func (f *fixture) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	c := *f.ts.Client() // a copy: each browser has its own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, f: f, c: &c}
}

// signedIn is a browser signed in with tok.
func (f *fixture) signedIn(t testing.TB, tok string) *browser {
	b := f.browser(t)
	resp := b.post("/login", url.Values{"token": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d, want 303", resp.StatusCode)
	}
	_, body := b.get("/")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf token on the overview:\n%s", body)
	}
	b.csrf = m[1]
	return b
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.f.ts.URL+path, nil)
	return b.do(req)
}

// post sends a form as a same-origin browser would.
func (b *browser) post(path string, form url.Values, hdr ...string) *http.Response {
	b.t.Helper()
	resp, _ := b.postBody(path, form, hdr...)
	return resp
}

func (b *browser) postBody(path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.f.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.f.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return b.do(req)
}

// report stores a status report for a host.
func (f *fixture) report(t testing.TB, doc *api.StatusDoc) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Report(t.Context(), doc, raw, "127.0.0.1"); err != nil {
		t.Fatalf("report %s: %v", doc.Hostname, err)
	}
}

func doc(hostname, agentsn string, agents ...api.AgentStatus) *api.StatusDoc {
	return &api.StatusDoc{Hostname: hostname, AgentSN: agentsn, Version: "bootagent-1.0.0-x86_64", Step: 60,
		Uptime: 100, Agents: agents, Events: []api.Event{}}
}

func sn(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
