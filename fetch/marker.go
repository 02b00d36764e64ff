package fetch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/bootagent/bootagent/atomicfile"
)

// markerFile records, inside each installed version, what it was made
// from. It is written before the version is renamed into place, so a
// version directory without it was not put there by this package.
const markerFile = ".bootagent-package.json"

type marker struct {
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	Checksum  string    `json:"checksum"` // SHA256:<hex>
	URL       string    `json:"url"`      // redacted: no password on disk
	FetchedAt time.Time `json:"fetched_at"`
	// SignedBy is the key id (syntax.KeyID) of the trusted key whose
	// signature over the archive was verified; "" when none was checked
	// (no trusted_keys then). With trusted_keys set, a version not signed
	// by one of them is not reused as it is (see present).
	SignedBy string `json:"signed_by,omitempty"`
	// Format is "rpm" or "deb" for a system package's payload, "" for an
	// archive. Root is then the package directory within the version
	// directory, and Manifest whether it holds agent.yaml.
	Format   string `json:"format,omitempty"`
	Root     string `json:"root,omitempty"`
	Manifest bool   `json:"manifest,omitempty"`
	// PackageFile, for install: system, is the kept .rpm/.deb's name in
	// the version directory.
	PackageFile string `json:"package_file,omitempty"`
}

// rewriteMarker replaces the marker of an installed version, atomically:
// the version may be running, and a torn marker would hide it from List.
func rewriteMarker(dir string, m marker) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, markerFile), append(b, '\n'), 0o644)
}

// packageDir is where the version unpacked in dir runs from.
func (m marker) packageDir(dir string) string {
	if m.Root == "" || m.Root == "." {
		return dir
	}
	return filepath.Join(dir, filepath.FromSlash(m.Root))
}

func writeMarker(dir string, m marker) error {
	p := filepath.Join(dir, markerFile)
	// An archive may carry a file (or link) of that name: never write
	// through it.
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close() // syncTree syncs it with the rest
}

func readMarker(dir string) (marker, error) {
	b, err := os.ReadFile(filepath.Join(dir, markerFile))
	if err != nil {
		return marker{}, err
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		return marker{}, fmt.Errorf("%s: %w", markerFile, err)
	}
	return m, nil
}
