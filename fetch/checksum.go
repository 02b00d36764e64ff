package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

const checksumPrefix = "SHA256:"

// ParseChecksum reads "SHA256:<hex>" (prefix in any case, as on the wire
// and in desired files) and returns the lowercase hex digest.
func ParseChecksum(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) < len(checksumPrefix) || !strings.EqualFold(s[:len(checksumPrefix)], checksumPrefix) {
		return "", fmt.Errorf("%w %q: want %s<64 hex digits>", ErrBadChecksum, s, checksumPrefix)
	}
	digest := strings.ToLower(s[len(checksumPrefix):])
	if b, err := hex.DecodeString(digest); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("%w %q: want %s<64 hex digits>", ErrBadChecksum, s, checksumPrefix)
	}
	return digest, nil
}

// FormatChecksum is the canonical form reported in Installed.Checksum.
func FormatChecksum(digest string) string {
	return checksumPrefix + digest
}

// fileDigest returns the lowercase hex sha256 of a file's content.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
