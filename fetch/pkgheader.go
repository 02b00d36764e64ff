package fetch

import (
	"fmt"
	"os"

	"github.com/bootagent/bootagent/syntax"
	rpmutils "github.com/sassoftware/go-rpmutils"
	"pault.ag/go/debian/deb"
)

// PackageHeader is what an rpm or deb says of itself, read without
// unpacking it: what the system install mode checks before it runs the
// package manager (SPEC §4).
type PackageHeader struct {
	Format  string // "rpm" or "deb"
	Name    string // the package manager's name
	Version string // rpm VERSION-RELEASE, Debian version without epoch
	Scripts []string
}

// ReadPackageHeader reads the header of the rpm or deb at path.
func ReadPackageHeader(path, format string) (PackageHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return PackageHeader{}, err
	}
	defer f.Close()
	var info pkgInfo
	switch format {
	case "rpm":
		hdr, herr := rpmutils.ReadHeader(f)
		if herr != nil {
			return PackageHeader{}, fmt.Errorf("%w: %s: rpm header: %v", ErrBadArchive, path, herr)
		}
		info, err = rpmInfo(hdr)
	case "deb":
		d, derr := deb.Load(f, path)
		if derr != nil {
			return PackageHeader{}, fmt.Errorf("%w: %s: deb: %v", ErrBadArchive, path, derr)
		}
		defer d.Close()
		info, err = debInfo(d)
	default:
		return PackageHeader{}, fmt.Errorf("%w: package format %q", ErrUnsupportedSource, format)
	}
	if err != nil {
		return PackageHeader{}, err
	}
	if !syntax.Version(info.Version) {
		return PackageHeader{}, fmt.Errorf("%w: %s version %q does not match %s", ErrBadArchive, format, info.Version, syntax.VersionRule)
	}
	return PackageHeader{Format: info.Format, Name: info.Name, Version: info.Version, Scripts: info.Scriptlets}, nil
}
