package api

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recordingServer answers every request with answer and keeps each body
// and Authorization header it received.
type recordingServer struct {
	mu     sync.Mutex
	bodies []string
	auths  []string
}

func (rs *recordingServer) handler(code int, answer string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		rs.bodies = append(rs.bodies, string(body))
		rs.auths = append(rs.auths, r.Header.Get("Authorization"))
		rs.mu.Unlock()
		w.WriteHeader(code)
		io.WriteString(w, answer)
	}
}

func (rs *recordingServer) got() ([]string, []string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string{}, rs.bodies...), append([]string{}, rs.auths...)
}

const secretToken = "bse_0123456789ab_enroll-secret"

// TestEnrollTokenNeverOverPlainHTTP: a plain http server (here the first,
// refusing) never receives the token; the https one that passed the TLS
// check does.
func TestEnrollTokenNeverOverPlainHTTP(t *testing.T) {
	plain := &recordingServer{}
	hs := httptest.NewServer(plain.handler(403, `{"status":1,"errcode":1,"error":"token required"}`))
	t.Cleanup(hs.Close)
	pki := newTestPKI(t)
	secure := &recordingServer{}
	ts := httptest.NewUnstartedServer(secure.handler(200, `{"status":0,"agentsn":"sn-1","credential":"bsh_aaaaaaaaaaaa_x"}`))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{pki.cert}, MinVersion: tls.VersionTLS12}
	ts.StartTLS()
	t.Cleanup(ts.Close)

	c := NewClient([]string{hs.URL, ts.URL}, ClientOptions{Logger: quietLog(), Trust: Trust{Roots: pki.pool}})
	c.SetEnrollToken(secretToken)
	resp, err := c.Register(t.Context(), RegisterRequest{Hostname: "h", AgentSN: "sn-1"})
	if err != nil || resp.Credential != "bsh_aaaaaaaaaaaa_x" {
		t.Fatalf("Register = %+v, %v", resp, err)
	}
	pb, _ := plain.got()
	if len(pb) != 1 || strings.Contains(pb[0], secretToken) || strings.Contains(pb[0], "enroll_token") {
		t.Fatalf("plain http server received %q", pb)
	}
	sb, _ := secure.got()
	if len(sb) != 1 || !strings.Contains(sb[0], `"enroll_token":"`+secretToken+`"`) {
		t.Fatalf("https server received %q, want the token", sb)
	}
}

// TestEnrollTokenNotSentToUntrustedServer: an https server whose
// certificate fails the check receives nothing at all.
func TestEnrollTokenNotSentToUntrustedServer(t *testing.T) {
	pki, other := newTestPKI(t), newTestPKI(t)
	rs := &recordingServer{}
	ts := httptest.NewUnstartedServer(rs.handler(200, `{"status":0}`))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{pki.cert}, MinVersion: tls.VersionTLS12}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	c := NewClient([]string{ts.URL}, ClientOptions{Logger: quietLog(), Trust: Trust{Roots: other.pool}})
	c.SetEnrollToken(secretToken)
	if _, err := c.Register(t.Context(), RegisterRequest{Hostname: "h", AgentSN: "sn-1"}); err == nil {
		t.Fatal("Register to an untrusted server succeeded")
	}
	if b, _ := rs.got(); len(b) != 0 {
		t.Fatalf("untrusted server received %q", b)
	}
}

func TestCredentialSentAsBearer(t *testing.T) {
	rs := &recordingServer{}
	hs := httptest.NewServer(rs.handler(200, `{"errcode":0,"jobs":[],"credential":"bsh_bbbbbbbbbbbb_new"}`))
	t.Cleanup(hs.Close)
	c := NewClient([]string{hs.URL}, ClientOptions{Logger: quietLog()})
	c.SetCredential("bsh_aaaaaaaaaaaa_x")
	resp, _, err := c.Status(t.Context(), statusDoc())
	if err != nil || resp.Credential != "bsh_bbbbbbbbbbbb_new" {
		t.Fatalf("Status = %+v, %v; want the renewed credential decoded", resp, err)
	}
	if _, auths := rs.got(); len(auths) != 1 || auths[0] != "Bearer bsh_aaaaaaaaaaaa_x" {
		t.Fatalf("Authorization sent: %q", auths)
	}
}
