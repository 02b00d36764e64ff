package fetch

import (
	"aead.dev/minisign"
	"log/slog"
	"net/http"
	"time"
)

// Defaults applied by NewStore to zero Options fields.
const (
	DefaultTimeout       = 10 * time.Minute
	DefaultMaxConcurrent = 2
	DefaultProgressEvery = 5 * time.Second
	DefaultMaxDownload   = 2 << 30
	DefaultMaxUnpacked   = 8 << 30
	DefaultMaxEntries    = 100000
)

// Options tune a Store. The zero value of every field but RequireChecksum
// means "default"; use DefaultOptions to start from RequireChecksum: true.
type Options struct {
	// RequireChecksum refuses http, https and ftp sources without a
	// checksum. Local sources (file://, absolute paths) may omit it.
	RequireChecksum bool
	// Timeout bounds one transfer, from the first byte asked to the last
	// byte written (default 10m). Waiting for a download slot is not counted.
	Timeout time.Duration
	// MaxConcurrent is how many downloads run at once per Store (default 2).
	MaxConcurrent int
	// ProgressEvery is how often a running download logs its progress
	// (default 5s); a download shorter than that logs none.
	ProgressEvery time.Duration
	// Logger receives one line per state change and the progress lines
	// (default slog.Default()).
	Logger *slog.Logger
	// HTTPClient is used for http and https sources (default: a client of
	// its own with the environment's proxy settings). Its Timeout should be
	// zero: Timeout above already bounds each transfer.
	HTTPClient *http.Client
	// MaxDownload bounds the archive of one package in bytes (default
	// 2 GiB), MaxUnpacked what is unpacked from it (default 8 GiB) and
	// MaxEntries its number of entries (default 100000). A package over
	// one is refused with a LimitError before more is written.
	MaxDownload int64
	MaxUnpacked int64
	MaxEntries  int
	// TrustedKeys, when not empty, make every package need a minisign
	// signature by one of them over the downloaded file (SPEC §10),
	// checked after the checksum and before anything is unpacked. Empty
	// (offline labs) checks no signature at all.
	TrustedKeys []minisign.PublicKey
}

// DefaultOptions returns the options of a daemon: checksums required and
// every other field at its default.
func DefaultOptions() Options {
	return Options{RequireChecksum: true}
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	if o.MaxDownload <= 0 {
		o.MaxDownload = DefaultMaxDownload
	}
	if o.MaxUnpacked <= 0 {
		o.MaxUnpacked = DefaultMaxUnpacked
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
