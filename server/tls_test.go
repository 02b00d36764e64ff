package server

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCertNeedsReissue(t *testing.T) {
	now := time.Now()
	dir, other := t.TempDir(), t.TempDir()
	cert := selfSigned(t, dir, []string{"localhost", "10.0.0.1"}, now)
	otherCert := selfSigned(t, other, []string{"localhost"}, now)
	ca, _, err := ensureCA(dir, now, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cert tls.Certificate
		sans []string
		at   time.Time
		want bool
	}{
		{"fresh, same names", cert, []string{"localhost", "10.0.0.1"}, now, false},
		{"fewer names", cert, []string{"localhost"}, now, false},
		{"a name missing", cert, []string{"localhost", "new.example"}, now, true},
		{"an IP missing", cert, []string{"10.0.0.2"}, now, true},
		{"expires within 30 days", cert, []string{"localhost"}, now.Add(certValidity - 29*24*time.Hour), true},
		{"expires in 31 days", cert, []string{"localhost"}, now.Add(certValidity - 31*24*time.Hour), false},
		{"signed by another CA", otherCert, []string{"localhost"}, now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := certNeedsReissue(tt.cert.Leaf, ca, tt.sans, tt.at); (got != "") != tt.want {
				t.Fatalf("certNeedsReissue = %q, want reissue=%v", got, tt.want)
			}
		})
	}
}

// TestEnsureSelfSignedTLSRenews: a start within 30 days of the expiry
// issues a new certificate from the same CA.
func TestEnsureSelfSignedTLSRenews(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	first := selfSigned(t, dir, []string{"localhost"}, now)
	ca, _ := os.ReadFile(filepath.Join(dir, CAFile))
	later := selfSigned(t, dir, []string{"localhost"}, now.Add(certValidity-10*24*time.Hour))
	if later.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0 {
		t.Fatal("a certificate expiring in 10 days was kept")
	}
	if ca2, _ := os.ReadFile(filepath.Join(dir, CAFile)); string(ca2) != string(ca) {
		t.Fatal("renewing the certificate replaced the CA")
	}
	// Half a CA is refused rather than replaced.
	os.Remove(filepath.Join(dir, CAKeyFile))
	if _, err := EnsureSelfSignedTLS(dir, []string{"localhost"}, now, testLogger(t)); err == nil {
		t.Fatal("ca.pem without ca.key was accepted")
	}
}

func selfSigned(t *testing.T, dir string, sans []string, now time.Time) tls.Certificate {
	t.Helper()
	c, err := EnsureSelfSignedTLS(dir, sans, now, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
