package fetch

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"pault.ag/go/debian/deb"
)

// debScripts are the maintainer scripts dpkg runs from a control archive.
var debScripts = map[string]bool{"preinst": true, "postinst": true, "prerm": true, "postrm": true, "config": true}

// readDeb reads a .deb's control (name, version, maintainer scripts) and
// writes its data archive (data.tar, .gz, .xz, .zst, .bz2 or .lzma, as
// pault.ag/go/debian decodes them) through pw.
func readDeb(r io.ReaderAt, pw *payloadWriter) (pkgInfo, error) {
	d, err := deb.Load(r, "")
	if err != nil {
		return pkgInfo{}, fmt.Errorf("%w: deb: %v", ErrBadArchive, err)
	}
	defer d.Close()
	info, err := debInfo(d)
	if err != nil {
		return pkgInfo{}, err
	}
	for {
		h, err := d.Data.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return pkgInfo{}, fmt.Errorf("%w: deb data: %v", ErrBadArchive, err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader || h.Typeflag == tar.TypeXHeader {
			continue
		}
		if h.Typeflag == '\x00' {
			h.Typeflag = tar.TypeReg
		}
		if err := pw.add(h.Name, h.Typeflag, h.Mode, h.Linkname, h.Size, d.Data); err != nil {
			return pkgInfo{}, err
		}
	}
	return info, nil
}

// debInfo is the name, version without epoch and maintainer scripts of
// a loaded deb.
func debInfo(d *deb.Deb) (pkgInfo, error) {
	v := d.Control.Version
	info := pkgInfo{Format: "deb", Name: d.Control.Package, Version: v.Version}
	if v.Revision != "" {
		info.Version += "-" + v.Revision
	}
	var err error
	info.Scriptlets, err = debMaintainerScripts(d)
	return info, err
}

// debMaintainerScripts lists the scripts of the control archive, read
// again from its start (deb.Load stopped at the control file).
func debMaintainerScripts(d *deb.Deb) ([]string, error) {
	for name, member := range d.ArContent {
		if !strings.HasPrefix(name, "control.tar") {
			continue
		}
		if _, err := member.Data.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		tr, closer, err := member.Tarfile()
		if err != nil {
			return nil, fmt.Errorf("%w: deb %s: %v", ErrBadArchive, name, err)
		}
		defer closer.Close()
		var scripts []string
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return scripts, nil
			}
			if err != nil {
				return nil, fmt.Errorf("%w: deb %s: %v", ErrBadArchive, name, err)
			}
			if n := path.Clean(h.Name); debScripts[n] {
				scripts = append(scripts, n)
			}
		}
	}
	return nil, nil
}
