package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/bootagent/bootagent/syntax"
)

// Request asks for one package.
type Request struct {
	Name string // agent name, SPEC §4 pattern
	// Version is the version the desired document names; "" lets the
	// manifest decide (server jobs carry no version).
	Version  string
	URL      string // http(s)://, ftp://, file:// or an absolute path
	Checksum string // "SHA256:<hex>"; may be "" for local sources
	// Signature is the minisign signature text ("untrusted comment: …")
	// or its URL; "" means URL + ".minisig". Used only when
	// Options.TrustedKeys is set.
	Signature string
	// Install is the rpm/deb install mode (syntax.InstallStore or
	// InstallSystem): system keeps the verified file in the store, for
	// the host's package manager to install, instead of unpacking it.
	Install string
}

func (r Request) system() bool { return r.Install == syntax.InstallSystem }

func (r Request) label() string {
	if r.Version == "" {
		return r.Name
	}
	return r.Name + " " + r.Version
}

// Installed is one version in the store.
type Installed struct {
	Name     string
	Version  string // the manifest's, which names the directory
	Dir      string // absolute; relative command paths resolve here
	Checksum string // "SHA256:<hex>" of the archive it was unpacked from
	URL      string // where it came from, password redacted
	SignedBy string // key id of the trusted key that signed it; "" when none was checked
	Manifest Manifest
	// System is set for an rpm or deb kept for the host's package
	// manager (install: system): PackageFile is then the verified file
	// and Package what its header says. Nothing is unpacked.
	System      bool
	PackageFile string
	Package     PackageHeader
}

// Fetch makes sure the package of req is installed and returns it. It is
// idempotent: when a version with the same checksum (and the same version,
// if req names one) is installed, nothing is downloaded. Concurrent calls
// for one name are serialised, so the second finds the first's result.
//
// Errors start with "fetch NAME VERSION:"; IsTerminal tells those worth
// retrying from those that need a new request. A failed Fetch leaves the
// installed versions as they were.
func (s *Store) Fetch(ctx context.Context, req Request) (*Installed, error) {
	inst, err := s.fetch(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.label(), err)
	}
	return inst, nil
}

func (s *Store) fetch(ctx context.Context, req Request) (*Installed, error) {
	if err := ValidateName("agent name", req.Name); err != nil {
		return nil, err
	}
	if req.Version != "" {
		if err := validateVersion("version", req.Version); err != nil {
			return nil, err
		}
	}
	src, err := parseSource(req.URL)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lockName(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	defer unlock()

	lim := s.limits(src)
	want, err := s.expectedDigest(src, req.Checksum, lim)
	if err != nil {
		return nil, err
	}
	if inst, err := s.present(req, want.digest); inst != nil || err != nil {
		return inst, err
	}
	return s.install(ctx, req, src, want, lim)
}

// expected is the digest the archive must have. derived means it was
// computed from a local source rather than given: a mismatch then means the
// file changed during the copy, not that it is the wrong file.
type expected struct {
	digest  string
	derived bool
}

func (s *Store) expectedDigest(src source, checksum string, lim limits) (expected, error) {
	if checksum != "" {
		d, err := ParseChecksum(checksum)
		return expected{digest: d}, err
	}
	if !src.local {
		if s.opts.RequireChecksum {
			return expected{}, fmt.Errorf("%w: %s is not a local file; give SHA256:<hex>", ErrChecksumRequired, src.display)
		}
		return expected{}, nil
	}
	// Hashing a local file is cheap and lets the presence check work.
	d, err := localDigest(src.localPath, lim)
	if err != nil {
		return expected{}, err
	}
	return expected{digest: d, derived: true}, nil
}

// present finds an installed version that satisfies req: same checksum
// (and version, when named), or with no checksum known, the same version.
// With trusted_keys set, a version installed before they were (or signed
// by a key no longer trusted) does not satisfy it: its archive is fetched
// again and its signature checked like a new one's (install), and only
// then is it reused.
func (s *Store) present(req Request, digest string) (*Installed, error) {
	list, err := s.List(req.Name)
	if err != nil {
		return nil, err
	}
	for i := range list {
		inst := &list[i]
		if !s.signedByTrusted(inst.SignedBy) {
			continue
		}
		if digest == "" {
			if req.Version != "" && inst.Version == req.Version && inst.System == req.system() {
				return inst, nil
			}
			continue
		}
		if d, _ := ParseChecksum(inst.Checksum); d != digest {
			continue
		}
		if inst.System != req.system() {
			continue // the same file, another install mode: done again
		}
		// The same bytes hold the same manifest: no need to download
		// them again to learn that the version is wrong.
		if req.Version != "" && inst.Version != req.Version {
			return nil, versionMismatch(req.Version, inst.Version)
		}
		return inst, nil
	}
	return nil, nil
}

func versionMismatch(requested, manifest string) error {
	return fmt.Errorf("%w: requested version %s, the package's %s says %s", ErrVersionMismatch, requested, ManifestFile, manifest)
}

// install downloads, verifies and unpacks into a work directory in tmp and
// publishes the result with one rename. The work directory goes whatever
// happens; a crash leaves it for NewStore.
func (s *Store) install(ctx context.Context, req Request, src source, want expected, lim limits) (*Installed, error) {
	log := s.log.With("agent", req.Name, "url", src.display)
	work, err := os.MkdirTemp(s.tmpDir, req.Name+"-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := os.RemoveAll(work); err != nil {
			log.Warn("cannot remove work directory", "dir", work, "err", err)
		}
	}()

	archive := filepath.Join(work, "archive."+src.archive)
	if err := s.download(ctx, log, src, archive, lim); err != nil {
		return nil, err
	}
	got, err := verify(archive, want)
	if err != nil {
		return nil, err
	}
	signedBy, err := s.checkSignature(ctx, log, req, archive, work)
	if err != nil {
		return nil, err
	}
	if inst, err := s.resign(log, req, got, signedBy); inst != nil || err != nil {
		return inst, err
	}
	if want.digest == "" { // unchecked remote source: maybe known after all
		if inst, err := s.present(req, got); inst != nil || err != nil {
			return inst, err
		}
	}

	var u unpacked
	if req.system() {
		u, err = keepPackageFile(archive, src.archive, work, req)
	} else {
		u, err = unpackInto(log, archive, src.archive, work, req, lim)
	}
	if err != nil {
		return nil, s.diskFull(err)
	}
	pkg, m := u.dir, u.manifest
	mk := marker{Name: req.Name, Version: m.Version, Checksum: FormatChecksum(got), URL: src.display, FetchedAt: time.Now().UTC(),
		Format: u.format, Root: u.root, Manifest: u.manifestFile, PackageFile: u.packageFile, SignedBy: signedBy}
	if err := writeMarker(pkg, mk); err != nil {
		return nil, err
	}
	if err := syncTree(pkg); err != nil {
		return nil, err
	}
	dir, err := s.publish(log, req.Name, m.Version, pkg)
	if err != nil {
		return nil, err
	}
	log.Info("package installed", "version", m.Version, "dir", dir, "checksum", mk.Checksum)
	return s.readInstalledAfter(log, req.Name, m.Version)
}

// verify checks the archive before anything is unpacked from it.
func verify(archive string, want expected) (string, error) {
	got, err := FileDigest(archive)
	if err != nil {
		return "", err
	}
	switch {
	case want.digest == "" || got == want.digest:
		return got, nil
	case want.derived:
		return "", fmt.Errorf("%w: %s before the copy, %s after", ErrSourceChanged, FormatChecksum(want.digest), FormatChecksum(got))
	default:
		return "", fmt.Errorf("%w: want %s, got %s", ErrChecksumMismatch, FormatChecksum(want.digest), FormatChecksum(got))
	}
}

// publish renames the finished pkg directory to packages/NAME/VERSION. A
// version already there has other content (present would have returned
// it): the desired state names this checksum, so it is replaced. The old
// one is moved aside first, since rename cannot replace a directory, and
// put back if the new one cannot take its place.
func (s *Store) publish(log *slog.Logger, name, version, pkg string) (string, error) {
	agentDir := s.agentDir(name)
	if err := os.Mkdir(agentDir, 0o755); err == nil {
		if err := syncPath(s.pkgDir); err != nil {
			return "", err
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	target := filepath.Join(agentDir, version)
	aside := ""
	if _, err := os.Lstat(target); err == nil {
		log.Warn("replacing an installed version with different content", "version", version)
		if aside, err = s.moveAside(target); err != nil {
			return "", err
		}
	}
	if err := os.Rename(pkg, target); err != nil {
		if aside != "" {
			if rerr := os.Rename(filepath.Join(aside, version), target); rerr != nil {
				log.Error("cannot restore the replaced version", "version", version, "err", rerr)
			}
		}
		return "", err
	}
	if err := syncPath(agentDir); err != nil {
		return "", err
	}
	if aside != "" {
		if err := os.RemoveAll(aside); err != nil { // installed all the same; NewStore retries
			log.Warn("cannot remove the replaced version", "dir", aside, "err", err)
		}
	}
	return target, nil
}
