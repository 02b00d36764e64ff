package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/bootagent/bootagent/syntax"
)

// ParseChecksum reads a checksum with syntax.ChecksumHex, the rule desired
// docs, jobs and bootserver validate with, and returns the lowercase hex
// digest.
func ParseChecksum(s string) (string, error) {
	digest, ok := syntax.ChecksumHex(s)
	if !ok {
		return "", fmt.Errorf("%w %q: want %s", ErrBadChecksum, s, syntax.ChecksumRule)
	}
	return digest, nil
}

// FormatChecksum is the canonical form reported in Installed.Checksum.
func FormatChecksum(digest string) string { return syntax.FormatChecksum(digest) }

// FileDigest returns the lowercase hex sha256 of a file's content (the
// store's checksums; self-upgrade's comparison of the running binary).
func FileDigest(path string) (string, error) {
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
