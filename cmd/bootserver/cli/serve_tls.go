package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/bootagent/bootagent/api"
	"github.com/bootagent/bootagent/server"
)

// checkTLSFlags refuses combinations of serve's TLS flags that mean
// nothing, rather than silently ignoring one.
func checkTLSFlags(cert, key string, insecure, sans bool) error {
	switch {
	case (cert == "") != (key == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case insecure && cert != "":
		return errors.New("--insecure-http and --tls-cert contradict each other")
	case cert != "" && sans:
		return errors.New("--san names the self-made certificate's names; an operator's --tls-cert carries its own")
	}
	return nil
}

// serverTLS is the listener's TLS configuration: nil for --insecure-http,
// the operator's certificate, else the self-made one under dataDir.
func serverTLS(log *slog.Logger, dataDir, cert, key string, insecure bool, sans []string) (*tls.Config, error) {
	if insecure {
		log.Warn("serving plain HTTP (--insecure-http): anyone on the network can read and change jobs and reports")
		return nil, nil
	}
	var c tls.Certificate
	var err error
	if cert != "" {
		c, err = server.LoadOperatorCert(cert, key)
	} else {
		c, err = server.EnsureSelfSignedTLS(dataDir, append(server.DefaultSANs(), sans...), time.Now(), log)
	}
	if err != nil {
		return nil, err
	}
	logPin(log, c)
	return server.TLSConfig(c), nil
}

// logPin says which server_ca_pin agents may set for this certificate:
// operators pinning the server need it, and reading it off the server's
// own log is simpler than running openssl on the certificate.
func logPin(log *slog.Logger, c tls.Certificate) {
	if len(c.Certificate) == 0 {
		return
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return
	}
	log.Info("serving HTTPS", "subject", leaf.Subject.String(), "server_ca_pin", api.SPKIPin(leaf))
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty name")
	}
	*l = append(*l, strings.TrimSpace(v))
	return nil
}
