package fetch

import (
	"compress/bzip2"
	"compress/gzip"
	"io"

	getter "github.com/hashicorp/go-getter/v2"
	"github.com/ulikunitz/xz"
)

// archiveKind pairs go-getter's decompressor for a type with the reader
// this package needs to inspect the same archive before it is unpacked.
type archiveKind struct {
	// tarStream opens the uncompressed tar stream; nil for zip.
	tarStream func(io.Reader) (io.Reader, error)
}

// archiveKinds are the types a package may come as (SPEC §4). The keys are
// go-getter's decompressor names.
var archiveKinds = map[string]archiveKind{
	"tar":     {tarStream: plain},
	"tar.gz":  {tarStream: gunzip},
	"tgz":     {tarStream: gunzip},
	"tar.xz":  {tarStream: unxz},
	"txz":     {tarStream: unxz},
	"tar.bz2": {tarStream: bunzip2},
	"tbz2":    {tarStream: bunzip2},
	"zip":     {},
}

func plain(r io.Reader) (io.Reader, error)   { return r, nil }
func gunzip(r io.Reader) (io.Reader, error)  { return gzip.NewReader(r) }
func unxz(r io.Reader) (io.Reader, error)    { return xz.NewReader(r) }
func bunzip2(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil }

// decompressor returns go-getter's decompressor for kind. Umask and mode
// sanitising (setuid bits dropped) are go-getter's; the safety checks are
// scanArchive's, run before.
func decompressor(kind string) getter.Decompressor {
	return getter.Decompressors[kind]
}
