package syntax

import (
	"regexp"
	"strings"
)

// ChecksumRule is the checksum form as written in error messages.
const ChecksumRule = "SHA256:<64 hex digits>"

// The prefix in any case (SPEC §4 accepts sha256:), nothing around it: a
// checksum with a stray space is refused everywhere rather than trimmed in
// one place and not in another.
var checksum = regexp.MustCompile(`^(?i:sha256):([0-9A-Fa-f]{64})$`)

// ChecksumHex returns the lower-case hex of a "SHA256:<hex>" checksum, and
// whether s has that form.
func ChecksumHex(s string) (string, bool) {
	m := checksum.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return strings.ToLower(m[1]), true
}

// FormatChecksum is the canonical (wire) form of a hex digest.
func FormatChecksum(hex string) string { return "SHA256:" + hex }
