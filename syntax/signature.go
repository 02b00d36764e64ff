package syntax

import (
	"fmt"
	"strings"
)

// SignatureSuffix is appended to a package URL's path to find its
// signature when the doc or job names none (SPEC §10).
const SignatureSuffix = ".minisig"

// MaxSignature bounds a signature, inline or downloaded: a minisign
// signature is four short lines, so anything larger is not one.
const MaxSignature = 64 << 10

// InlineSignature reports whether sig is the signature text itself (as
// minisign writes it, from its "untrusted comment:" line) rather than a
// URL to fetch it from.
func InlineSignature(sig string) bool {
	return strings.HasPrefix(strings.TrimSpace(sig), "untrusted comment:")
}

// CheckSignature checks a doc's package.signature or a job's signature:
// empty (the default URL), inline text of at most MaxSignature bytes, or
// a URL under the package URL rules without the archive type.
func CheckSignature(sig string) error {
	switch {
	case sig == "":
		return nil
	case InlineSignature(sig):
		if len(sig) > MaxSignature {
			return fmt.Errorf("inline signature is %d bytes long (at most %d)", len(sig), MaxSignature)
		}
		return nil
	}
	if _, _, err := parseLocation(sig); err != nil {
		return fmt.Errorf("neither minisign signature text (from its \"untrusted comment:\" line) nor a URL: %w", err)
	}
	return nil
}

// SignatureURL is where the signature of the package at pkgURL is
// fetched: sig when it is a URL, else the package URL with ".minisig"
// added to its path (and without go-getter's ?archive=, which names the
// package's type, not the signature's). It is not meant for inline
// signatures.
func SignatureURL(pkgURL, sig string) (PackageURL, error) {
	if sig != "" {
		s, _, err := parseLocation(sig)
		return s, err
	}
	s, u, err := parseLocation(pkgURL)
	if err != nil {
		return PackageURL{}, err
	}
	u.Path += SignatureSuffix
	u.RawPath = ""
	q := u.Query()
	if q.Has("archive") {
		q.Del("archive")
		u.RawQuery = q.Encode()
	}
	if s.Local {
		s.LocalPath += SignatureSuffix
		s.Display = s.LocalPath
		s.Getter = u.String()
		return s, nil
	}
	return PackageURL{Getter: u.String(), Display: u.Redacted()}, nil
}

// KeyID formats a minisign key id as minisign prints it: 16 upper-case
// hex digits.
func KeyID(id uint64) string { return fmt.Sprintf("%016X", id) }
