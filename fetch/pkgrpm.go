package fetch

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"

	rpmutils "github.com/sassoftware/go-rpmutils"
	"github.com/sassoftware/go-rpmutils/cpio"
)

// rpmScriptlets are the header tags of the scripts an rpm may run, by
// the name rpm's own messages use.
var rpmScriptlets = []struct {
	tag  int
	name string
}{
	{rpmutils.PREIN, "%pre"}, {rpmutils.POSTIN, "%post"},
	{rpmutils.PREUN, "%preun"}, {rpmutils.POSTUN, "%postun"},
	{1151, "%pretrans"}, {1152, "%posttrans"}, // RPMTAG_PRETRANS, RPMTAG_POSTTRANS
	{rpmutils.TRIGGERSCRIPTS, "%trigger"},
}

// readRPM reads an rpm's header and writes its payload (cpio, gzip, xz,
// zstd, bzip2, lzma or none; see rpmDecompressors) through pw.
func readRPM(r io.Reader, pw *payloadWriter) (pkgInfo, error) {
	br := bufio.NewReader(r)
	hdr, err := rpmutils.ReadHeader(br)
	if err != nil {
		return pkgInfo{}, fmt.Errorf("%w: rpm header: %v", ErrBadArchive, err)
	}
	info, err := rpmInfo(hdr)
	if err != nil {
		return pkgInfo{}, err
	}
	files, err := hdr.GetFiles()
	if err != nil {
		return pkgInfo{}, fmt.Errorf("%w: rpm file list: %v", ErrBadArchive, err)
	}
	comp, err := rpmCompressor(hdr, br)
	if err != nil {
		return pkgInfo{}, fmt.Errorf("%w: rpm payload: %v", ErrBadArchive, err)
	}
	open, ok := rpmDecompressors[comp]
	if !ok {
		return pkgInfo{}, fmt.Errorf("%w: rpm payload compressor %q", ErrUnsupportedSource, comp)
	}
	stream, err := open(br)
	if err != nil {
		return pkgInfo{}, fmt.Errorf("%w: rpm payload (%s): %v", ErrBadArchive, comp, err)
	}
	defer stream.Close()
	pr := newRPMPayload(stream, files)
	// Of a hard-link group only the last member carries the content; the
	// earlier ones become links to it once it is written.
	pending := map[[2]int][]string{}
	for {
		fi, err := pr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return pkgInfo{}, err
		}
		key := [2]int{fi.Device(), fi.Inode()}
		if pr.isEmptyLink() {
			pending[key] = append(pending[key], fi.Name())
			continue
		}
		if err := addRPMFile(pw, fi, pr); err != nil {
			return pkgInfo{}, err
		}
		for _, l := range pending[key] {
			if err := pw.add(l, tar.TypeLink, int64(fi.Mode()), fi.Name(), 0, nil); err != nil {
				return pkgInfo{}, err
			}
		}
		delete(pending, key)
	}
	if len(pending) > 0 {
		return pkgInfo{}, fmt.Errorf("%w: rpm payload: hard links without content", ErrBadArchive)
	}
	// Read to the end so a corrupt tail (and the decoder's checksum) is
	// an error here, not a silently short package.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return pkgInfo{}, fmt.Errorf("%w: rpm payload: %v", ErrBadArchive, err)
	}
	return info, nil
}

// rpmInfo is the name, VERSION-RELEASE and scriptlets of an rpm header.
func rpmInfo(hdr *rpmutils.RpmHeader) (pkgInfo, error) {
	nevra, err := hdr.GetNEVRA()
	if err != nil {
		return pkgInfo{}, fmt.Errorf("%w: rpm header: %v", ErrBadArchive, err)
	}
	info := pkgInfo{Format: "rpm", Name: nevra.Name, Version: nevra.Version + "-" + nevra.Release}
	if nevra.Release == "" {
		info.Version = nevra.Version
	}
	for _, s := range rpmScriptlets {
		if hdr.HasTag(s.tag) {
			info.Scriptlets = append(info.Scriptlets, s.name)
		}
	}
	return info, nil
}

func addRPMFile(pw *payloadWriter, fi rpmutils.FileInfo, body io.Reader) error {
	mode := int64(fi.Mode())
	switch uint32(fi.Mode()) &^ 0o7777 {
	case cpio.S_ISREG:
		return pw.add(fi.Name(), tar.TypeReg, mode, "", fi.Size(), body)
	case cpio.S_ISDIR:
		return pw.add(fi.Name(), tar.TypeDir, mode, "", 0, nil)
	case cpio.S_ISLNK:
		return pw.add(fi.Name(), tar.TypeSymlink, mode, fi.Linkname(), 0, nil)
	case cpio.S_ISCHR:
		return pw.add(fi.Name(), tar.TypeChar, mode, "", 0, nil)
	case cpio.S_ISBLK:
		return pw.add(fi.Name(), tar.TypeBlock, mode, "", 0, nil)
	case cpio.S_ISFIFO:
		return pw.add(fi.Name(), tar.TypeFifo, mode, "", 0, nil)
	default:
		return fmt.Errorf("%w: entry %q: mode %o (socket…) has no place in a package", ErrUnsafeArchive, fi.Name(), fi.Mode())
	}
}
