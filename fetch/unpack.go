package fetch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// unpackUmask keeps packages from being group or world writable whatever
// the archive says: the daemon runs them, often as root.
const unpackUmask = 0o022

// unpack extracts a verified archive into dst (which must not exist).
//
// What go-getter's decompressors do on their own (pinned by
// gogetter_test.go): they refuse entries with a ".." component, drop
// setuid/setgid bits and apply the umask. What they do not: they unpack an
// absolute name under dst instead of refusing it, and they never create
// links, writing a symlink or hard link as a plain file (empty for tar, the
// target's text for zip), which silently breaks a package. So scanArchive
// refuses unsafe entries first, and restoreLinks recreates the links that
// stay inside afterwards.
func unpack(archive, kind, dst string, lim limits) error {
	entries, err := scanArchive(archive, kind, lim)
	if err != nil {
		return err
	}
	return unpackScanned(archive, kind, dst, entries)
}

// unpackPayload extracts the tar that convertPackage made of an rpm or deb
// payload: the same checks and unpacker as an archive, less the rule that
// agent.yaml be at the root.
func unpackPayload(tarPath, dst string, lim limits) error {
	entries, err := scanEntries(tarPath, "tar", lim)
	if err != nil {
		return err
	}
	return unpackScanned(tarPath, "tar", dst, entries)
}

func unpackScanned(archive, kind, dst string, entries []entry) error {
	if err := decompressor(kind).Decompress(dst, archive, true, unpackUmask); err != nil {
		// The scan read every byte, so this is the disk, not the archive.
		return fmt.Errorf("unpack: %w", err)
	}
	return restoreLinks(dst, entries)
}

// diskFull says where the disk is full: a bare ENOSPC names a file in a
// work directory that is gone by the time anyone reads the message.
func (s *Store) diskFull(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w (the file system of %s is full)", err, s.tmpDir)
	}
	return err
}

// restoreLinks replaces go-getter's placeholder files with the links the
// archive holds, then checks each symlink where it really resolves: the
// lexical check of checkLinkTarget cannot see through a link like "d -> ."
// used as "d/../x".
func restoreLinks(root string, entries []entry) error {
	// Archive order, symlinks first: a hard link names an earlier entry,
	// which may itself be a link. checkLayout refused duplicate links.
	for _, pass := range []entryKind{kindSymlink, kindHardlink} {
		for _, e := range entries {
			if e.kind == pass {
				if err := restoreLink(root, e); err != nil {
					return err
				}
			}
		}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.kind == kindSymlink {
			if err := checkResolved(realRoot, filepath.Join(root, filepath.FromSlash(e.name)), e); err != nil {
				return err
			}
		}
	}
	return nil
}

func restoreLink(root string, e entry) error {
	p := filepath.Join(root, filepath.FromSlash(e.name))
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if e.kind == kindSymlink {
		return os.Symlink(e.target, p)
	}
	return os.Link(filepath.Join(root, filepath.FromSlash(path.Clean(e.target))), p)
}

func checkResolved(realRoot, p string, e entry) error {
	resolved, err := filepath.EvalSymlinks(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: symlink %q -> %q points to nothing in the package", ErrUnsafeArchive, e.name, e.target)
	}
	if err != nil { // a loop: nothing sensible to run
		return fmt.Errorf("%w: symlink %q -> %q: %v", ErrUnsafeArchive, e.name, e.target, err)
	}
	rel, err := filepath.Rel(realRoot, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%w: symlink %q -> %q resolves outside the package", ErrUnsafeArchive, e.name, e.target)
	}
	return nil
}
