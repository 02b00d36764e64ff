package fetch

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/bootagent/bootagent/syntax"
)

// unpacked is a package unpacked in a work directory, not yet published.
type unpacked struct {
	dir      string   // the work directory that becomes packages/NAME/VERSION
	manifest Manifest // agent.yaml's, or for an rpm/deb without one its version alone
	format   string   // "rpm" or "deb"; "" for an archive
	root     string   // for rpm/deb: the package directory within dir ("." the payload root)
	// manifestFile: the package directory holds agent.yaml (always, for
	// an archive).
	manifestFile bool
	// packageFile, for install: system, is the kept file's name in dir.
	packageFile string
}

// unpackInto unpacks the verified file into work/pkg and reads what the
// package says of itself.
func unpackInto(log *slog.Logger, file, kind, work string, req Request, lim limits) (unpacked, error) {
	pkg := filepath.Join(work, "pkg")
	if !syntax.IsPackageFormat(kind) {
		if err := unpack(file, kind, pkg, lim); err != nil {
			return unpacked{}, err
		}
		m, err := ReadManifest(pkg)
		if err != nil {
			return unpacked{}, err
		}
		if req.Version != "" && m.Version != req.Version {
			return unpacked{}, versionMismatch(req.Version, m.Version)
		}
		return unpacked{dir: pkg, manifest: m, manifestFile: true}, nil
	}
	payload := filepath.Join(work, "payload.tar")
	info, err := convertPackage(file, kind, payload, lim)
	if err != nil {
		return unpacked{}, err
	}
	if req.Version != "" && info.Version != req.Version {
		return unpacked{}, fmt.Errorf("%w: requested version %s, the %s says %s", ErrVersionMismatch, req.Version, kind, info.Version)
	}
	root, err := packageRoot(req.Name, info.Manifests)
	if err != nil {
		return unpacked{}, err
	}
	if len(info.Scriptlets) > 0 {
		// Once per install, as SPEC §4 promises: the operator sees what
		// the store mode leaves undone.
		log.Info("package scripts not run: install is store", "format", kind, "package", info.Name, "scripts", info.Scriptlets)
	}
	err = unpackPayload(payload, pkg, lim)
	if rerr := os.Remove(payload); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return unpacked{}, err
	}
	has := len(info.Manifests) > 0
	m, err := payloadManifest(filepath.Join(pkg, filepath.FromSlash(root)), has, kind, info.Version)
	if err != nil {
		return unpacked{}, err
	}
	return unpacked{dir: pkg, manifest: m, format: kind, root: root, manifestFile: has}, nil
}

// payloadManifest is the manifest of an rpm or deb's package directory:
// its agent.yaml, whose version must be the package's own, or with none
// the package's version alone (the command comes from the doc or job).
func payloadManifest(dir string, has bool, format, version string) (Manifest, error) {
	if !has {
		return Manifest{Version: version}, nil
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return Manifest{}, err
	}
	if m.Version != version {
		return Manifest{}, fmt.Errorf("%w: %s says version %s, the %s %s", ErrBadManifest, ManifestFile, m.Version, format, version)
	}
	return m, nil
}
