package desired

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testCAPEM(t *testing.T) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestLoadConfigTLS(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ca.pem"), testCAPEM(t))
	writeFile(t, filepath.Join(dir, "junk.pem"), "not a certificate\n")
	pin := "sha256:" + strings.Repeat("0a", 32)
	base := "state_dir: s\ndesired_dir: d\n"
	tests := []struct {
		name, yaml string
		errHas     string // "" is valid
	}{
		{"server_ca relative to the file", "server_ca: ca.pem\nservers: [https://a:1]\n", ""},
		{"server_ca missing", "server_ca: nope.pem\n", "server_ca"},
		{"server_ca not PEM", "server_ca: junk.pem\n", "no PEM certificate"},
		{"pin", "server_ca_pin: " + pin + "\n", ""},
		{"pin without prefix", "server_ca_pin: " + strings.Repeat("0a", 32) + "\n", "server_ca_pin"},
		{"require_tls with https", "require_tls: true\nservers: [https://a:1]\n", ""},
		{"require_tls with http", "require_tls: true\nservers: [https://a:1, http://b:2]\n", "require_tls"},
		{"require_tls with bare host:port", "require_tls: true\nservers: ['b:2']\n", "require_tls"},
		{"http without require_tls", "servers: [http://b:2]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "bootagent.yaml")
			writeFile(t, path, base+tt.yaml)
			c, err := LoadConfig(path)
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("LoadConfig: %v", err)
				}
				if strings.Contains(tt.yaml, "server_ca:") && (c.CAPool == nil || c.ServerCA != filepath.Join(dir, "ca.pem")) {
					t.Fatalf("server_ca not loaded: %q %v", c.ServerCA, c.CAPool)
				}
				if strings.Contains(tt.yaml, "pin") && len(c.Pin) != 32 {
					t.Fatalf("pin not decoded: %x", c.Pin)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("LoadConfig: %v, want an error with %q", err, tt.errHas)
			}
		})
	}
}
