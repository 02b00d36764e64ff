package fetch

import (
	"context"
	"errors"
	"fmt"
	"github.com/bootagent/bootagent/syntax"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// List returns the versions of name on disk, sorted by version directory
// name. A directory that lacks a valid marker or manifest was not put there
// by Fetch: it is logged and left out. It takes no lock, so it never waits
// for a download; each version appears whole or not at all.
func (s *Store) List(name string) ([]Installed, error) {
	if err := ValidateName("agent name", name); err != nil {
		return nil, fmt.Errorf("list %s: %w", name, err)
	}
	entries, err := os.ReadDir(s.agentDir(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", name, err)
	}
	var out []Installed
	for _, e := range entries {
		if !e.IsDir() || !syntax.Version(e.Name()) {
			continue
		}
		inst, err := s.readInstalled(name, e.Name())
		if err != nil {
			s.log.Warn("ignoring package directory", "agent", name, "version", e.Name(), "err", err)
			continue
		}
		out = append(out, inst)
	}
	return out, nil
}

func (s *Store) readInstalled(name, version string) (Installed, error) {
	dir := filepath.Join(s.agentDir(name), version)
	mk, err := readMarker(dir)
	if err != nil {
		return Installed{}, err
	}
	if mk.Name != name || mk.Version != version {
		return Installed{}, fmt.Errorf("%s names %s %s", markerFile, mk.Name, mk.Version)
	}
	if _, err := ParseChecksum(mk.Checksum); err != nil {
		return Installed{}, fmt.Errorf("%s: %w", markerFile, err)
	}
	if mk.PackageFile != "" {
		return systemInstalled(name, version, dir, mk)
	}
	pkgDir := mk.packageDir(dir)
	if !filepath.IsLocal(mk.Root) && mk.Root != "" {
		return Installed{}, fmt.Errorf("%s: root %q leaves the version directory", markerFile, mk.Root)
	}
	m := Manifest{Version: version}
	if mk.Format == "" || mk.Manifest {
		if m, err = ReadManifest(pkgDir); err != nil {
			return Installed{}, err
		}
	}
	return Installed{Name: name, Version: version, Dir: pkgDir, Checksum: mk.Checksum, URL: mk.URL, SignedBy: mk.SignedBy, Manifest: m}, nil
}

// Remove deletes every version of name and its directory. Removing a name
// that has nothing installed is not an error. It waits for a running Fetch
// of the same name to finish.
func (s *Store) Remove(name string) error {
	if err := ValidateName("agent name", name); err != nil {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	unlock, _ := s.lockName(context.Background(), name) // cannot fail without a deadline
	defer unlock()
	switch err := s.trash(s.agentDir(name)); {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("remove %s: %w", name, err)
	}
	s.log.Info("package removed", "agent", name)
	return nil
}

// GC deletes the versions of name not listed in keep (and anything else in
// the agent's directory), and the directory itself once empty. Keeping the
// version that runs is the caller's business.
func (s *Store) GC(name string, keep ...string) error {
	if err := ValidateName("agent name", name); err != nil {
		return fmt.Errorf("gc %s: %w", name, err)
	}
	unlock, _ := s.lockName(context.Background(), name)
	defer unlock()
	if err := s.gc(name, keep); err != nil {
		return fmt.Errorf("gc %s: %w", name, err)
	}
	return nil
}

func (s *Store) gc(name string, keep []string) error {
	dir := s.agentDir(name)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	kept := 0
	for _, e := range entries {
		if slices.Contains(keep, e.Name()) {
			kept++
			continue
		}
		if err := s.trash(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
		s.log.Info("package version removed", "agent", name, "version", e.Name())
	}
	if kept > 0 {
		return nil
	}
	if err := os.Remove(dir); err != nil {
		return err
	}
	return syncPath(s.pkgDir)
}
