package fetch

import (
	"archive/tar"
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

type entryKind int

const (
	kindFile entryKind = iota
	kindDir
	kindSymlink
	kindHardlink
)

// entry is one archive member as the package will hold it.
type entry struct {
	name   string // cleaned, relative, slash-separated
	kind   entryKind
	target string // link target as written in the archive
}

// maxLinkTarget bounds what is read of a zip symlink's body (its target).
const maxLinkTarget = 4096

// scanArchive reads the whole archive once, before anything is written, and
// returns its entries. It refuses what go-getter would unpack unsafely or
// silently wrong (see unpack.go), and since it reads every byte, a corrupt
// or truncated archive is caught here as ErrBadArchive: an error from the
// unpack that follows can then only be an I/O error worth retrying.
func scanArchive(path, kind string) ([]entry, error) {
	k, ok := archiveKinds[kind]
	if !ok {
		return nil, fmt.Errorf("%w: archive type %q", ErrUnsupportedSource, kind)
	}
	var (
		entries []entry
		err     error
	)
	if k.tarStream == nil {
		entries, err = scanZip(path)
	} else {
		entries, err = scanTar(path, k.tarStream)
	}
	if err != nil {
		return nil, err
	}
	if err := checkLayout(entries); err != nil {
		return nil, err
	}
	return entries, nil
}

func scanTar(path string, open func(io.Reader) (io.Reader, error)) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	stream, err := open(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	tr := tar.NewReader(stream)
	var entries []entry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		// ErrInsecurePath (GODEBUG tarinsecurepath=0) still returns the
		// header: checkEntry names the entry in a better message.
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
		}
		e, skip, err := tarEntry(hdr)
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		// Reading the body makes the decompressor check it.
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return nil, fmt.Errorf("%w: entry %q: %v", ErrBadArchive, hdr.Name, err)
		}
		entries = append(entries, e)
	}
	// The tar end marker may come before the compressed stream's end, where
	// gzip and xz keep their checksum: read on so it is verified.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	return entries, nil
}

func tarEntry(hdr *tar.Header) (e entry, skip bool, err error) {
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader, tar.TypeXHeader:
		return entry{}, true, nil // metadata, not a member (go-getter skips them too)
	case tar.TypeReg, '\x00', tar.TypeCont, tar.TypeGNUSparse:
		e.kind = kindFile
	case tar.TypeDir:
		e.kind = kindDir
	case tar.TypeSymlink:
		e.kind, e.target = kindSymlink, hdr.Linkname
	case tar.TypeLink:
		e.kind, e.target = kindHardlink, hdr.Linkname
	default:
		return entry{}, false, fmt.Errorf("%w: entry %q: type %q (device, fifo…) has no place in a package",
			ErrUnsafeArchive, hdr.Name, string(hdr.Typeflag))
	}
	e.name, err = cleanEntryName(hdr.Name)
	return e, false, err
}

func scanZip(path string) ([]entry, error) {
	zr, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	defer zr.Close()
	entries := make([]entry, 0, len(zr.File))
	for _, f := range zr.File {
		e, err := zipEntry(f)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func zipEntry(f *zip.File) (entry, error) {
	var e entry
	mode := f.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := readZipBody(f, maxLinkTarget)
		if err != nil {
			return entry{}, err
		}
		e.kind, e.target = kindSymlink, target
	case mode.IsDir():
		e.kind = kindDir
	case mode.IsRegular():
		e.kind = kindFile
		if _, err := readZipBody(f, -1); err != nil { // checks the CRC
			return entry{}, err
		}
	default:
		return entry{}, fmt.Errorf("%w: entry %q: mode %s (device, fifo…) has no place in a package",
			ErrUnsafeArchive, f.Name, mode)
	}
	var err error
	e.name, err = cleanEntryName(f.Name)
	return e, err
}

// readZipBody reads an entry to its end (verifying its CRC) and returns up
// to limit bytes of it; limit < 0 keeps nothing.
func readZipBody(f *zip.File, limit int64) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("%w: entry %q: %v", ErrBadArchive, f.Name, err)
	}
	defer rc.Close()
	var kept strings.Builder
	var w io.Writer = io.Discard
	if limit >= 0 {
		w = &kept
		if f.UncompressedSize64 > uint64(limit) {
			return "", fmt.Errorf("%w: entry %q: symlink target longer than %d bytes", ErrBadArchive, f.Name, limit)
		}
	}
	if _, err := io.Copy(w, rc); err != nil {
		return "", fmt.Errorf("%w: entry %q: %v", ErrBadArchive, f.Name, err)
	}
	return kept.String(), nil
}
