package fetch

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// systemFile is the name the kept package file has in its version
// directory: the format's own suffix, which rpm and dpkg expect.
func systemFile(format string) string { return "package." + format }

// keepPackageFile prepares the version directory of an rpm or deb that
// the host's package manager installs (install: system): the verified
// file itself, kept so that a rollback can reinstall it, and checked to
// say the version the doc names before anything runs.
func keepPackageFile(file, kind, work string, req Request) (unpacked, error) {
	h, err := ReadPackageHeader(file, kind)
	if err != nil {
		return unpacked{}, err
	}
	if req.Version != "" && h.Version != req.Version {
		return unpacked{}, fmt.Errorf("%w: requested version %s, the %s says %s", ErrVersionMismatch, req.Version, kind, h.Version)
	}
	pkg := filepath.Join(work, "pkg")
	if err := os.Mkdir(pkg, 0o755); err != nil {
		return unpacked{}, err
	}
	if err := os.Rename(file, filepath.Join(pkg, systemFile(kind))); err != nil {
		return unpacked{}, err
	}
	return unpacked{dir: pkg, manifest: Manifest{Version: h.Version}, format: kind, packageFile: systemFile(kind)}, nil
}

// systemInstalled is a kept package file as List returns it; its header
// is read again, so a file changed on disk is not taken for what it was.
func systemInstalled(name, version, dir string, mk marker) (Installed, error) {
	if mk.PackageFile != systemFile(mk.Format) {
		return Installed{}, fmt.Errorf("%s: package file %q", markerFile, mk.PackageFile)
	}
	p := filepath.Join(dir, mk.PackageFile)
	h, err := ReadPackageHeader(p, mk.Format)
	if err != nil {
		return Installed{}, err
	}
	if h.Version != version {
		return Installed{}, fmt.Errorf("%s says version %s, not %s", p, h.Version, version)
	}
	return Installed{Name: name, Version: version, Dir: dir, Checksum: mk.Checksum, URL: mk.URL,
		Manifest: Manifest{Version: version}, System: true, PackageFile: p, Package: h}, nil
}

// readInstalledAfter returns the version just published as List does.
func (s *Store) readInstalledAfter(log *slog.Logger, name, version string) (*Installed, error) {
	inst, err := s.readInstalled(name, version)
	if err != nil {
		log.Error("installed version unreadable", "version", version, "err", err)
		return nil, err
	}
	return &inst, nil
}
