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
// unpack that follows can then only be an I/O error worth retrying. It also
// counts the entries and the bytes the unpack would write against lim, and
// stops reading as soon as one is exceeded: the readers are the ones the
// unpack uses, so what they produce here is what would land on disk.
func scanArchive(path, kind string, lim limits) ([]entry, error) {
	entries, err := scanEntries(path, kind, lim)
	if err != nil {
		return nil, err
	}
	if err := checkRootManifest(entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// scanEntries is scanArchive without the manifest rule: what an rpm or
// deb payload, converted to tar, goes through.
func scanEntries(path, kind string, lim limits) ([]entry, error) {
	k, ok := archiveKinds[kind]
	if !ok {
		return nil, fmt.Errorf("%w: archive type %q", ErrUnsupportedSource, kind)
	}
	var (
		entries []entry
		err     error
		b       = &budget{lim: lim}
	)
	if k.tarStream == nil {
		entries, err = scanZip(path, b)
	} else {
		entries, err = scanTar(path, k.tarStream, b)
	}
	if err != nil {
		return nil, err
	}
	if err := checkLayout(entries); err != nil {
		return nil, err
	}
	return entries, nil
}

func scanTar(path string, open func(io.Reader) (io.Reader, error), b *budget) ([]entry, error) {
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
		if err := b.entry(); err != nil {
			return nil, err
		}
		if err := b.copy(io.Discard, tr, hdr.Name); err != nil {
			return nil, err
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

func scanZip(path string, b *budget) ([]entry, error) {
	zr, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	defer zr.Close()
	// The central directory is read already: refuse before any body.
	if len(zr.File) > b.lim.maxEntries {
		return nil, b.lim.entriesExceeded("the archive lists %d entries", len(zr.File))
	}
	entries := make([]entry, 0, len(zr.File))
	for _, f := range zr.File {
		e, err := zipEntry(f, b)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func zipEntry(f *zip.File, b *budget) (entry, error) {
	var e entry
	mode := f.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := readZipBody(f, maxLinkTarget, b)
		if err != nil {
			return entry{}, err
		}
		e.kind, e.target = kindSymlink, target
	case mode.IsDir():
		e.kind = kindDir
	case mode.IsRegular():
		e.kind = kindFile
		if _, err := readZipBody(f, -1, b); err != nil { // checks the CRC
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

// readZipBody reads an entry to its end (verifying its CRC), counting it
// in b, and returns up to limit bytes of it; limit < 0 keeps nothing.
func readZipBody(f *zip.File, limit int64, b *budget) (string, error) {
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
	if err := b.copy(w, rc, f.Name); err != nil {
		return "", err
	}
	return kept.String(), nil
}
