package fetch

import (
	"fmt"
	"io"
	"strconv"
)

// limits bound what one package may put on disk: the archive downloaded,
// the bytes unpacked from it and its number of entries. Without them a
// gzip bomb or file:///dev/zero fills state_dir, and every agent with it.
type limits struct {
	url         string // the source as shown in errors (no password)
	maxDownload int64
	maxUnpacked int64
	maxEntries  int
}

func (s *Store) limits(src source) limits {
	return limits{url: src.display, maxDownload: s.opts.MaxDownload, maxUnpacked: s.opts.MaxUnpacked, maxEntries: s.opts.MaxEntries}
}

// LimitError is a package refused for exceeding one of the limits of
// Options. It is terminal (errors.Is ErrTooLarge): the same package is as
// large on the next try.
type LimitError struct {
	URL    string // the package, password redacted
	What   string // "download", "unpacked size" or "entry count"
	Key    string // the daemon config key that sets the limit
	Limit  string // as the config writes it: "2G", "100000"
	Detail string // what was seen, e.g. "Content-Length is 3000000000 bytes"
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("package %s: %s exceeds %s (%s)", e.URL, e.What, e.Key, e.Limit)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *LimitError) Unwrap() error { return ErrTooLarge }

func (l limits) downloadExceeded(format string, args ...any) error {
	return &LimitError{URL: l.url, What: "download", Key: "package_max_download", Limit: formatSize(l.maxDownload), Detail: fmt.Sprintf(format, args...)}
}

func (l limits) unpackedExceeded(format string, args ...any) error {
	return &LimitError{URL: l.url, What: "unpacked size", Key: "package_max_unpacked", Limit: formatSize(l.maxUnpacked), Detail: fmt.Sprintf(format, args...)}
}

func (l limits) entriesExceeded(format string, args ...any) error {
	return &LimitError{URL: l.url, What: "entry count", Key: "package_max_entries", Limit: strconv.Itoa(l.maxEntries), Detail: fmt.Sprintf(format, args...)}
}

// formatSize writes n in the K/M/G/T syntax the config uses (binary
// multiples), in the largest unit that divides it exactly.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// budget counts what an archive holds against the unpack limits, from the
// bytes its readers really produce: the sizes its headers claim may lie.
type budget struct {
	lim     limits
	entries int
	bytes   int64
}

// entry counts one more member.
func (b *budget) entry() error {
	if b.entries++; b.entries > b.lim.maxEntries {
		return b.lim.entriesExceeded("more than %d entries", b.lim.maxEntries)
	}
	return nil
}

// copy reads the body of member name into w, and never more than one byte
// past what is left of the budget, so a bomb costs at most the limit.
// Reading the body to its end makes the decompressor check it: a read
// error is a corrupt archive.
func (b *budget) copy(w io.Writer, r io.Reader, name string) error {
	n, err := io.Copy(w, io.LimitReader(r, b.lim.maxUnpacked-b.bytes+1))
	if b.bytes += n; b.bytes > b.lim.maxUnpacked {
		return b.lim.unpackedExceeded("more than %d bytes by entry %q", b.lim.maxUnpacked, name)
	}
	if err != nil {
		return fmt.Errorf("%w: entry %q: %v", ErrBadArchive, name, err)
	}
	return nil
}
