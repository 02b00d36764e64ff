package packaging

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

// Build writes package name in format (deb or rpm) into outDir under its
// conventional file name, and returns that path. The file appears whole
// or not at all (written aside, then renamed).
func Build(name, format string, s Spec, outDir string) (string, error) {
	info, err := Describe(name, s)
	if err != nil {
		return "", err
	}
	pkgr, err := nfpm.Get(format)
	if err != nil {
		return "", fmt.Errorf("packaging %s: %w", name, err)
	}
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", fmt.Errorf("packaging %s.%s: %w", name, format, err)
	}
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("packaging %s.%s: %w", name, format, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", fmt.Errorf("packaging: %w", err)
	}
	path := filepath.Join(outDir, pkgr.ConventionalFileName(info))
	f, err := os.CreateTemp(outDir, ".pkg-*")
	if err != nil {
		return "", fmt.Errorf("packaging %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := pkgr.Package(info, f); err != nil {
		f.Close()
		return "", fmt.Errorf("packaging %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return "", fmt.Errorf("packaging %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("packaging %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", fmt.Errorf("packaging %s: %w", path, err)
	}
	return path, nil
}
