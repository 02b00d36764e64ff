package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Files of the self-made PKI in the data directory (SPEC §10): the CA
// operators hand to agents (server_ca) and CLIs, its key, and the server
// certificate it signed.
const (
	CAFile       = "ca.pem"
	CAKeyFile    = "ca.key"
	CertFile     = "server.pem"
	CertKeyFile  = "server.key"
	certValidity = 397 * 24 * time.Hour // what browsers accept for a leaf
	caValidity   = 10 * 365 * 24 * time.Hour
	// RenewBefore: a server certificate expiring sooner is re-issued at
	// start, so a server restarted now and then never serves an expired one.
	RenewBefore = 30 * 24 * time.Hour
)

// TLSConfig is the listener's configuration: TLS 1.2 at least (SPEC §10),
// with the Go defaults for ciphers and session tickets (resumption keeps
// the cost of one connection per report low).
func TLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}
}

// LoadOperatorCert loads --tls-cert/--tls-key, an operator's certificate.
func LoadOperatorCert(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return c, fmt.Errorf("load --tls-cert %s / --tls-key %s: %w", certFile, keyFile, err)
	}
	return c, nil
}

// DefaultSANs are the names every self-made server certificate carries,
// besides the hostname and --san: what a client on the same machine dials.
func DefaultSANs() []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
	}
	return names
}

// EnsureSelfSignedTLS returns the server certificate under dataDir,
// creating the CA (ca.pem, ca.key 0600) on first start and the server
// certificate for sans (DNS names or IP addresses) signed by it. A later
// start reuses both, unless the certificate lacks a name of sans or
// expires within RenewBefore: then a new one is issued by the same CA, so
// agents trusting ca.pem need nothing new.
func EnsureSelfSignedTLS(dataDir string, sans []string, now time.Time, log *slog.Logger) (tls.Certificate, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	ca, caKey, err := ensureCA(dataDir, now, log)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPath, keyPath := filepath.Join(dataDir, CertFile), filepath.Join(dataDir, CertKeyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil {
		reason := certNeedsReissue(cert.Leaf, ca, sans, now)
		if reason == "" {
			return cert, nil
		}
		log.Info("re-issuing the server certificate", "file", certPath, "reason", reason)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, fmt.Errorf("load server certificate %s: %w", certPath, err)
	}
	if err := issueServerCert(certPath, keyPath, ca, caKey, sans, now); err != nil {
		return tls.Certificate{}, err
	}
	log.Info("server certificate written", "file", certPath, "names", sans)
	cert, err = tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load server certificate %s: %w", certPath, err)
	}
	return cert, nil
}

// certNeedsReissue says why leaf must be replaced, or "" when it can stay.
func certNeedsReissue(leaf, ca *x509.Certificate, sans []string, now time.Time) string {
	if leaf == nil {
		return "unreadable"
	}
	if leaf.CheckSignatureFrom(ca) != nil {
		return "not signed by " + CAFile
	}
	if now.Add(RenewBefore).After(leaf.NotAfter) {
		return "expires " + leaf.NotAfter.UTC().Format(time.RFC3339)
	}
	for _, n := range sans {
		if !certHasName(leaf, n) {
			return "lacks the name " + n
		}
	}
	return ""
}

func certHasName(c *x509.Certificate, name string) bool {
	if ip := net.ParseIP(name); ip != nil {
		return slices.ContainsFunc(c.IPAddresses, ip.Equal)
	}
	return slices.Contains(c.DNSNames, name)
}

// ensureCA loads the CA, or makes one when neither file exists. Half a CA
// (one file without the other) is an error: making a new one would
// silently cut off every agent that trusts the old ca.pem.
func ensureCA(dir string, now time.Time, log *slog.Logger) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPath, keyPath := filepath.Join(dir, CAFile), filepath.Join(dir, CAKeyFile)
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	if errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, fmt.Errorf("CA key: %w", err)
		}
		host, _ := os.Hostname()
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: "bootserver CA " + host},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(caValidity),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLenZero:        true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return nil, nil, fmt.Errorf("CA certificate: %w", err)
		}
		if err := writeKey(keyPath, key); err != nil {
			return nil, nil, err
		}
		if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
			return nil, nil, err
		}
		log.Info("CA written: give it to agents (server_ca) and admin CLIs (--ca)", "file", certPath)
	}
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("load CA %s / %s: %w", certPath, keyPath, err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("CA key %s is not ECDSA", keyPath)
	}
	return pair.Leaf, key, nil
}

func issueServerCert(certPath, keyPath string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, sans []string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "bootserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range sans {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if n != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("server certificate: %w", err)
	}
	if err := writeKey(keyPath, key); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der, 0o644)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode key %s: %w", path, err)
	}
	if err := writeSecretFile(path, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
