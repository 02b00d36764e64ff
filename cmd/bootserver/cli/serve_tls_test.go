package cli

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bootagent/bootagent/server"
)

// TestServeHTTPSByDefault: a first start makes the CA and a server
// certificate for the local names and --san, serves TLS 1.2+ only, and the
// CLI trusts it through the data directory's ca.pem; a second start reuses
// both, a new --san re-issues the certificate from the same CA.
func TestServeHTTPSByDefault(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bootserver.db")
	srv := startServe(t, "--db", db, "--san", "bootserver.example", "--san", "10.9.8.7")
	for name, mode := range map[string]os.FileMode{"ca.pem": 0o644, "ca.key": 0o600, "server.pem": 0o644, "server.key": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Fatalf("%s after first start: %v, %v (want mode %o)", name, fi, err, mode)
		}
	}
	pool := caPool(t, filepath.Join(dir, "ca.pem"))
	leaf := pemCert(t, filepath.Join(dir, "server.pem"))
	host, _ := os.Hostname()
	for _, name := range []string{"localhost", "127.0.0.1", "::1", host, "bootserver.example", "10.9.8.7"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("server certificate not valid for %s: %v", name, err)
		}
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("server key is %v, want ECDSA", leaf.PublicKeyAlgorithm)
	}

	// TLS 1.1 is refused; 1.2 works.
	if c, err := tls.Dial("tcp", srv.addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}); err == nil {
		c.Close()
		t.Fatal("a TLS 1.1 client was accepted")
	}
	c, err := tls.Dial("tcp", srv.addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("TLS 1.2 client refused: %v", err)
	}
	c.Close()

	url := "https://" + srv.addr
	if code, _, errs := run(t, map[string]string{"BOOTSERVER_DATA_DIR": dir}, "hosts", "--server", url); code != 0 {
		t.Fatalf("hosts trusting the data directory's ca.pem: exit %d %s", code, errs)
	}
	// Another CA is not trusted; plain http to the https port gets nothing.
	other := t.TempDir()
	if _, err := server.EnsureSelfSignedTLS(other, []string{"127.0.0.1"}, time.Now(), discardLog()); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BOOTSERVER_DATA_DIR": dir, "BOOTSERVER_CA": filepath.Join(other, "ca.pem")}
	if code, _, errs := run(t, env, "hosts", "--server", url); code != 1 || !strings.Contains(errs, "certificate") {
		t.Fatalf("hosts trusting another CA: exit %d %s", code, errs)
	}
	// --ca wins over $BOOTSERVER_CA.
	if code, _, errs := run(t, env, "hosts", "--server", url, "--ca", filepath.Join(dir, "ca.pem")); code != 0 {
		t.Fatalf("hosts --ca: exit %d %s", code, errs)
	}
	if code, _, _ := run(t, map[string]string{"BOOTSERVER_DATA_DIR": dir}, "hosts", "--server", "http://"+srv.addr); code == 0 {
		t.Fatal("plain http to the https listener worked")
	}
	srv.stop(t)

	caBefore, certBefore := readFile(t, dir, "ca.pem"), readFile(t, dir, "server.pem")
	srv = startServe(t, "--db", db, "--san", "bootserver.example", "--san", "10.9.8.7")
	srv.stop(t)
	if readFile(t, dir, "ca.pem") != caBefore || readFile(t, dir, "server.pem") != certBefore {
		t.Fatal("a second start with the same names replaced the CA or the certificate")
	}
	srv = startServe(t, "--db", db, "--san", "new.example")
	logs := srv.stop(t)
	if readFile(t, dir, "ca.pem") != caBefore {
		t.Fatal("a new --san replaced the CA")
	}
	leaf = pemCert(t, filepath.Join(dir, "server.pem"))
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "new.example"}); err != nil {
		t.Fatalf("re-issued certificate not valid for the new --san: %v\n%s", err, logs)
	}
}

func TestServeInsecureHTTP(t *testing.T) {
	dir := t.TempDir()
	srv := startServe(t, "--db", filepath.Join(dir, "bootserver.db"), "--insecure-http")
	env := map[string]string{"BOOTSERVER_DATA_DIR": dir}
	if code, _, errs := run(t, env, "hosts", "--server", "http://"+srv.addr); code != 0 {
		t.Fatalf("hosts over plain http: exit %d %s", code, errs)
	}
	logs := srv.stop(t)
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "plain HTTP") {
		t.Fatalf("no warning about plain HTTP in the log:\n%s", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "ca.pem")); err == nil {
		t.Fatal("--insecure-http made a CA")
	}
}

func TestServeOperatorCert(t *testing.T) {
	op := t.TempDir() // the operator's own PKI
	if _, err := server.EnsureSelfSignedTLS(op, []string{"127.0.0.1"}, time.Now(), discardLog()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srv := startServe(t, "--db", filepath.Join(dir, "bootserver.db"),
		"--tls-cert", filepath.Join(op, "server.pem"), "--tls-key", filepath.Join(op, "server.key"))
	env := map[string]string{"BOOTSERVER_DATA_DIR": dir}
	if code, _, errs := run(t, env, "hosts", "--server", "https://"+srv.addr, "--ca", filepath.Join(op, "ca.pem")); code != 0 {
		t.Fatalf("hosts against the operator's certificate: exit %d %s", code, errs)
	}
	srv.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "ca.pem")); err == nil {
		t.Fatal("serve made its own CA despite --tls-cert")
	}
}

func TestCheckTLSFlags(t *testing.T) {
	tests := []struct {
		name      string
		cert, key string
		insecure  bool
		sans      bool
		ok        bool
	}{
		{"default", "", "", false, false, true},
		{"sans", "", "", false, true, true},
		{"operator cert", "c", "k", false, false, true},
		{"insecure", "", "", true, false, true},
		{"cert without key", "c", "", false, false, false},
		{"key without cert", "", "k", false, false, false},
		{"insecure with cert", "c", "k", true, false, false},
		{"san with operator cert", "c", "k", false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkTLSFlags(tt.cert, tt.key, tt.insecure, tt.sans); (err == nil) != tt.ok {
				t.Fatalf("checkTLSFlags = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestCASource(t *testing.T) {
	tests := []struct {
		name, flag, env, dataDir, envDataDir, want string
	}{
		{"flag", "f.pem", "e.pem", "d", "ed", "f.pem"},
		{"env", "", "e.pem", "d", "ed", "e.pem"},
		{"data dir", "", "", "d", "ed", filepath.Join("d", "ca.pem")},
		{"env data dir", "", "", "", "ed", filepath.Join("ed", "ca.pem")},
		{"default", "", "", "", "", filepath.Join(DefaultDataDir, "ca.pem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := caSource(tt.flag, tt.env, tt.dataDir, tt.envDataDir); got != tt.want {
				t.Fatalf("caSource = %q, want %q", got, tt.want)
			}
		})
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func caPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(readFile(t, filepath.Dir(file), filepath.Base(file)))) {
		t.Fatalf("%s holds no certificate", file)
	}
	return pool
}

func pemCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(readFile(t, filepath.Dir(file), filepath.Base(file))))
	if b == nil {
		t.Fatalf("%s is not PEM", file)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
