package fetch

import "errors"

// Terminal errors: retrying the same request cannot succeed, so the caller
// reports them once and waits for the desired state to change.
var (
	// ErrBadName: an agent name or version that is not
	// [A-Za-z0-9][A-Za-z0-9._-]{0,63}, refused before it touches a path.
	ErrBadName = errors.New("invalid name")
	// ErrUnsupportedSource: a URL scheme other than http, https, ftp, file
	// or an absolute path, or an archive type that cannot be unpacked.
	ErrUnsupportedSource = errors.New("unsupported source")
	// ErrBadChecksum: a checksum that is not "SHA256:<64 hex digits>".
	ErrBadChecksum = errors.New("invalid checksum")
	// ErrChecksumRequired: a remote source without a checksum while
	// Options.RequireChecksum is set.
	ErrChecksumRequired = errors.New("checksum required")
	// ErrChecksumMismatch: the downloaded bytes are not the ones announced.
	ErrChecksumMismatch = errors.New("checksum mismatch")
	// ErrUnsafeArchive: an entry would land outside the package directory
	// (../, absolute path, escaping link) or is of a type a package has no
	// business holding (device, fifo).
	ErrUnsafeArchive = errors.New("unsafe archive")
	// ErrBadArchive: the archive is corrupt or truncated.
	ErrBadArchive = errors.New("bad archive")
	// ErrBadManifest: agent.yaml is missing, unreadable or invalid.
	ErrBadManifest = errors.New("bad manifest")
	// ErrVersionMismatch: the request names a version the manifest does not.
	ErrVersionMismatch = errors.New("version mismatch")
	// ErrTooLarge: the package exceeds a limit of Options (download,
	// unpacked size, entries); the error is a *LimitError naming it.
	ErrTooLarge = errors.New("package too large")
	// ErrSignature: Options.TrustedKeys is set and the package's minisign
	// signature is missing, malformed, by a key not trusted, or does not
	// verify (another file, or an edited trusted comment).
	ErrSignature = errors.New("signature refused")
)

// Transient errors: worth retrying with backoff.
var (
	// ErrTimeout: a transfer did not finish within Options.Timeout.
	ErrTimeout = errors.New("transfer timed out")
	// ErrSourceChanged: a local source without a checksum changed while it
	// was being copied; the next attempt sees a stable file.
	ErrSourceChanged = errors.New("source changed during copy")
)

var terminal = []error{
	ErrBadName, ErrUnsupportedSource, ErrBadChecksum, ErrChecksumRequired,
	ErrChecksumMismatch, ErrUnsafeArchive, ErrBadArchive, ErrBadManifest,
	ErrVersionMismatch, ErrTooLarge, ErrSignature,
}

// IsTerminal reports whether err means the request itself is wrong (bad
// name, checksum, signature, archive, manifest or version, or a package
// too large), so retrying it unchanged is
// pointless. Network errors, timeouts and I/O errors are not terminal.
func IsTerminal(err error) bool {
	for _, t := range terminal {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
