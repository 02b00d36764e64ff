package cli

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"strings"
	"time"

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
	if cert != "" {
		c, err := server.LoadOperatorCert(cert, key)
		if err != nil {
			return nil, err
		}
		return server.TLSConfig(c), nil
	}
	c, err := server.EnsureSelfSignedTLS(dataDir, append(server.DefaultSANs(), sans...), time.Now(), log)
	if err != nil {
		return nil, err
	}
	return server.TLSConfig(c), nil
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
