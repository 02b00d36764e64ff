package webui

import (
	"github.com/bootagent/bootagent/api"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", cookieName, resp.Header["Set-Cookie"])
	return nil
}

func TestSignInCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			f := newFixture(t, fixtureOpts{tls: tls})
			b := f.browser(t)
			resp := b.post("/login", url.Values{"token": {f.admin.Token}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
				t.Fatalf("sign in: %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
			}
			c := sessionCookie(t, resp)
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tls || c.Path != "/" {
				t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v, Path=/", c, tls)
			}
			if strings.Contains(c.Value, f.admin.Token) || strings.Contains(c.Value, f.admin.ID) || len(c.Value) < 40 {
				t.Fatalf("cookie value %q carries the token or is short", c.Value)
			}
			if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
				t.Fatalf("overview after sign-in: %d", resp.StatusCode)
			}
			secret := f.admin.Token[strings.LastIndex(f.admin.Token, "_")+1:]
			if strings.Contains(f.log.String(), secret) {
				t.Fatalf("the log carries the token's secret:\n%s", f.log)
			}
		})
	}
}

func TestSignInRefused(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	tests := []struct {
		name   string
		token  string
		hdr    []string
		status int
	}{
		{name: "wrong secret", token: f.admin.Token + "x", status: http.StatusUnauthorized},
		{name: "not a token", token: "hello", status: http.StatusUnauthorized},
		{name: "empty", token: "", status: http.StatusUnauthorized},
		{name: "from another site", token: f.admin.Token, hdr: []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
			status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.browser(t)
			resp, body := b.postBody("/login", url.Values{"token": {tt.token}}, tt.hdr...)
			if resp.StatusCode != tt.status {
				t.Fatalf("sign in: %d, want %d", resp.StatusCode, tt.status)
			}
			for _, c := range resp.Cookies() {
				if c.Name == cookieName && c.Value != "" {
					t.Fatalf("a refused sign-in set a session cookie")
				}
			}
			if tt.token != "" && strings.Contains(body, tt.token) {
				t.Fatalf("the page echoes the token")
			}
		})
	}
}

func TestPagesNeedSession(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	b := f.browser(t)
	for _, p := range []string{"/", "/hosts", "/hosts/" + sn(1), "/jobs", "/events", "/rollouts", "/rollouts/x"} {
		resp, _ := b.get(p)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("GET %s signed out: %d to %q, want 303 to /login", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := b.get("/events/stream"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("event stream signed out: %d, want 401", resp.StatusCode)
	}
	if resp := b.post("/jobs", url.Values{"host": {"h"}, "action": {"restart"}, "name": {"A"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /jobs signed out: %d, want 401", resp.StatusCode)
	}
	if resp, _ := b.get("/login"); resp.StatusCode != http.StatusOK {
		t.Errorf("sign-in page: %d", resp.StatusCode)
	}
}

func TestSignOut(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	b := f.signedIn(t, f.read.Token)
	if resp := b.post("/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign out without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("still signed in after a refused sign-out: %d", resp.StatusCode)
	}
	resp := b.post("/logout", url.Values{"csrf": {b.csrf}})
	if resp.StatusCode != http.StatusSeeOther || sessionCookie(t, resp).MaxAge >= 0 {
		t.Fatalf("sign out: %d, cookie %v", resp.StatusCode, resp.Header["Set-Cookie"])
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want 303 to /login", resp.StatusCode)
	}
}

func TestRevokedTokenEndsSession(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	b := f.signedIn(t, f.admin.Token)
	if _, err := f.store.RevokeAdminToken(t.Context(), f.admin.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("page with a revoked token's session: %d, want 303 to /login", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	resp, _ := f.browser(t).get("/login")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v", resp.Header)
	}
}

// Guessing tokens at the sign-in form is slowed down with the admin API's
// own count (SPEC §10): after 30 refused tokens from an address, even the
// right one gets 429 with Retry-After and no session, and the admin API
// refuses that address too: one count, whichever door.
func TestSignInRateLimited(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	b := f.browser(t)
	for i := range 30 {
		if resp := b.post("/login", url.Values{"token": {f.admin.Token + "x"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d, want 401", i, resp.StatusCode)
		}
	}
	resp, body := b.postBody("/login", url.Values{"token": {f.admin.Token}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many refused tokens") {
		t.Fatalf("the right token after 30 bad ones: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == cookieName && c.Value != "" {
			t.Fatalf("a rate-limited sign-in set a session cookie")
		}
	}
	req, _ := http.NewRequest(http.MethodGet, f.ts.URL+api.PathAdminHosts, nil)
	req.Header.Set("Authorization", "Bearer "+f.admin.Token)
	ar, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ar.Body.Close()
	if ar.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("admin API from the same address: %d, want 429", ar.StatusCode)
	}
}
