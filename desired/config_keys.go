package desired

import (
	"fmt"
	"path/filepath"
	"strings"

	"aead.dev/minisign"
)

// parseTrustedKey reads one trusted_keys entry: the base64 key as minisign
// writes it on the second line of its .pub file, or "@FILE" naming such a
// file (relative to the config file's directory, base). Parsing at load
// makes a bad key a config error with its line, not a refused install.
func parseTrustedKey(entry, base string) (minisign.PublicKey, error) {
	var key minisign.PublicKey
	entry = strings.TrimSpace(entry)
	if name, ok := strings.CutPrefix(entry, "@"); ok {
		if !filepath.IsAbs(name) {
			name = filepath.Join(base, name)
		}
		k, err := minisign.PublicKeyFromFile(name)
		if err != nil {
			return key, fmt.Errorf("key file %s: %w", name, err)
		}
		return k, nil
	}
	if entry == "" {
		return key, fmt.Errorf("empty key (want the base64 line of a minisign .pub file, or @FILE)")
	}
	if err := key.UnmarshalText([]byte(entry)); err != nil {
		return key, fmt.Errorf("%w (want the base64 line of a minisign .pub file, or @FILE)", err)
	}
	return key, nil
}
