package desired

import (
	"crypto/x509"
	"fmt"
	"os"
)

// loadCAPool reads server_ca at load, so a missing or empty file is a
// config error with its line rather than every request failing later.
func loadCAPool(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}
