package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
)

// Trust is how the agent checks https servers (SPEC §10): their
// certificate chains to Roots (nil: the system roots), and when Pin is set
// the leaf's SubjectPublicKeyInfo hashes (SHA-256) to it. RequireTLS
// refuses plain http servers. One Trust applies to every server the
// client talks to, a config job's svrlist included.
type Trust struct {
	Roots      *x509.CertPool
	Pin        []byte
	RequireTLS bool
}

// TLSConfig is the client side: TLS 1.2 at least, Roots, the pin checked
// after the chain (VerifyConnection runs after the normal verification,
// and on resumed sessions too), and a session cache for resumption.
func (t Trust) TLSConfig() *tls.Config {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		RootCAs:            t.Roots,
		ClientSessionCache: tls.NewLRUClientSessionCache(64),
	}
	if len(t.Pin) > 0 {
		pin := t.Pin
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("server_ca_pin: the server sent no certificate")
			}
			return checkPin(cs.PeerCertificates[0], pin)
		}
	}
	return cfg
}

// ErrPinMismatch is a server certificate whose public key is not the pinned one.
var ErrPinMismatch = errors.New("server certificate does not match server_ca_pin")

// checkPin compares the leaf's SPKI hash with pin.
func checkPin(leaf *x509.Certificate, pin []byte) error {
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	if subtle.ConstantTimeCompare(sum[:], pin) != 1 {
		return fmt.Errorf("%w: its key is sha256:%s", ErrPinMismatch, hex.EncodeToString(sum[:]))
	}
	return nil
}

// SPKIPin is the server_ca_pin of cert, for operators and tests.
func SPKIPin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:])
}
