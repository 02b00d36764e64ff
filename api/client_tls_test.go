package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/syntax"
)

// testPKI is a CA and a server certificate for 127.0.0.1 it signed.
type testPKI struct {
	pool *x509.CertPool
	cert tls.Certificate
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{pool: pool, cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}
}

// tlsServer is a real HTTPS server on 127.0.0.1 with pki's certificate,
// TLS 1.2+ like bootserver; every request that arrives is in hits.
func tlsServer(t *testing.T, pki testPKI, label string, hits *hitLog) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits.add(label + " " + r.URL.Path + " " + string(body[:min(len(body), 20)]))
		io.WriteString(w, `{"status":0}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func statusDoc() StatusDoc { return StatusDoc{Hostname: "h", AgentSN: "sn-1", Version: "1"} }

func TestClientTrust(t *testing.T) {
	pki, otherPKI := newTestPKI(t), newTestPKI(t)
	pin := SPKIPin(pki.cert.Leaf)
	goodPin, _ := syntax.ParsePin(pin)
	badPin, _ := syntax.ParsePin(SPKIPin(otherPKI.cert.Leaf))
	tests := []struct {
		name   string
		trust  Trust
		ok     bool
		errHas string
	}{
		{"chains to server_ca", Trust{Roots: pki.pool}, true, ""},
		{"another CA", Trust{Roots: otherPKI.pool}, false, "certificate signed by unknown authority"},
		{"system roots", Trust{}, false, "certificate"},
		{"pin match", Trust{Roots: pki.pool, Pin: goodPin}, true, ""},
		{"pin mismatch", Trust{Roots: pki.pool, Pin: badPin}, false, "server_ca_pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := &hitLog{}
			srv := tlsServer(t, pki, "tls", hits)
			c := NewClient([]string{srv.URL}, ClientOptions{Logger: quietLog(), Trust: tt.trust})
			_, _, err := c.Status(t.Context(), statusDoc())
			if tt.ok {
				if err != nil || len(hits.get()) != 1 {
					t.Fatalf("status: %v, server saw %q", err, hits.get())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("status: err %v, want one with %q", err, tt.errHas)
			}
			// The handshake failed: no request, no status body, reached the server.
			if h := hits.get(); len(h) != 0 {
				t.Fatalf("the untrusted server received %q", h)
			}
		})
	}
}

func TestClientRequireTLS(t *testing.T) {
	c := NewClient([]string{"http://10.0.0.5:8600", "https://10.0.0.6:8600"}, ClientOptions{Logger: quietLog(), Trust: Trust{RequireTLS: true}})
	if got, want := c.Servers(), []string{"https://10.0.0.6:8600"}; !slices.Equal(got, want) {
		t.Fatalf("servers %q, want %q (http refused)", got, want)
	}
	// No https server configured, but require_tls: svrlist gets https only.
	c = NewClient(nil, ClientOptions{Logger: quietLog(), Trust: Trust{RequireTLS: true}})
	if err := c.SetExtra("http://10.0.0.7:8600"); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("http svrlist under require_tls: %v", err)
	}
	if err := c.SetExtra("10.0.0.7:8600"); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Servers(), []string{"https://10.0.0.7:8600"}; !slices.Equal(got, want) {
		t.Fatalf("servers %q, want %q", got, want)
	}
}

// TestClientSvrlistInheritsTLS: with an https server configured, a config
// job's bare host:port is reached over https with the same CA, and an
// http:// entry is refused, leaving the list as it was.
func TestClientSvrlistInheritsTLS(t *testing.T) {
	pki := newTestPKI(t)
	hits := &hitLog{}
	extra := tlsServer(t, pki, "extra", hits)
	configured := "https://" + deadAddr(t)
	c := NewClient([]string{configured}, ClientOptions{Logger: quietLog(), Trust: Trust{Roots: pki.pool}})
	bare := strings.TrimPrefix(extra.URL, "https://")
	if err := c.SetExtra(bare + ","); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Servers(), []string{configured, "https://" + bare}; !slices.Equal(got, want) {
		t.Fatalf("servers %q, want %q", got, want)
	}
	if _, _, err := c.Status(t.Context(), statusDoc()); err != nil {
		t.Fatalf("status through the svrlist server: %v", err)
	}
	if h := hits.get(); len(h) != 1 || !strings.HasPrefix(h[0], "extra "+PathStatus) {
		t.Fatalf("svrlist server saw %q", h)
	}
	if err := c.SetExtra("http://" + bare); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("http svrlist after an https server: %v", err)
	}
	if got := c.Servers(); len(got) != 2 || got[1] != "https://"+bare {
		t.Fatalf("a refused svrlist changed the list: %q", got)
	}
	// The same trust: a svrlist server with a certificate from another CA fails.
	other := tlsServer(t, newTestPKI(t), "other", hits)
	if err := c.SetExtra(strings.TrimPrefix(other.URL, "https://")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Status(t.Context(), statusDoc()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("status through a svrlist server of another CA: %v", err)
	}
	if h := hits.get(); len(h) != 1 {
		t.Fatalf("the other CA's server received %q", h)
	}
}

// TestClientPlainHTTPStillWorks: without require_tls an http server is used
// as before, and its svrlist stays as the design note has it.
func TestClientPlainHTTPStillWorks(t *testing.T) {
	c := NewClient([]string{"http://10.0.0.5:8600"}, ClientOptions{Logger: quietLog(), Trust: Trust{}})
	if err := c.SetExtra("10.0.0.8:8600,http://10.0.0.9:80"); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Servers(), []string{"http://10.0.0.5:8600", "http://10.0.0.8:8600", "http://10.0.0.9:80"}; !slices.Equal(got, want) {
		t.Fatalf("servers %q, want %q", got, want)
	}
}
