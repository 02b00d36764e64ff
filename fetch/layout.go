package fetch

import (
	"fmt"
	"path"
	"strings"
)

// cleanEntryName refuses names that leave the package directory and returns
// the cleaned relative name. go-getter refuses ".." components itself but
// joins an absolute name under the target (so "/etc/cron.d/x" would be
// unpacked as etc/cron.d/x): a package with such names is refused instead,
// since its author meant something this store will not do.
func cleanEntryName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: entry with an empty name", ErrUnsafeArchive)
	}
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) {
		return "", fmt.Errorf("%w: entry %q: absolute path", ErrUnsafeArchive, name)
	}
	// Both separators, as go-getter's containsDotDot: a backslash is a
	// separator for whoever made the archive on Windows.
	for _, c := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if c == ".." {
			return "", fmt.Errorf("%w: entry %q: escapes the package directory", ErrUnsafeArchive, name)
		}
	}
	return path.Clean(name), nil
}

// checkLayout checks how entries relate: link targets stay inside, nothing
// is unpacked through a link, and no name is both a file and a directory.
// The last would make go-getter fail with an I/O error on every retry.
func checkLayout(entries []entry) error {
	final := make(map[string]entry, len(entries))
	dirs := map[string]bool{".": true}
	for _, e := range entries {
		if prev, ok := final[e.name]; ok && (prev.kind != e.kind || isLink(e.kind)) {
			return fmt.Errorf("%w: entry %q appears twice with different contents", ErrBadArchive, e.name)
		}
		if err := checkLinkTarget(e, final); err != nil {
			return err
		}
		final[e.name] = e
		for d := path.Dir(e.name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, e := range entries {
		for d := path.Dir(e.name); d != "."; d = path.Dir(d) {
			if isLink(final[d].kind) {
				return fmt.Errorf("%w: entry %q lies beneath link %q", ErrUnsafeArchive, e.name, d)
			}
		}
	}
	for _, e := range entries {
		if e.kind != kindDir && dirs[e.name] {
			return fmt.Errorf("%w: entry %q is both a file and a directory", ErrBadArchive, e.name)
		}
	}
	return nil
}

// checkRootManifest refuses an archive without agent.yaml at its root
// (SPEC §4); an rpm or deb may have none (packageRoot).
func checkRootManifest(entries []entry) error {
	final := make(map[string]entry, len(entries))
	for _, e := range entries {
		final[e.name] = e
	}
	if m, ok := final[ManifestFile]; !ok || m.kind == kindDir {
		return fmt.Errorf("%w: no %s at the archive root%s", ErrBadManifest, ManifestFile, nestedManifestHint(final))
	}
	return nil
}

func isLink(k entryKind) bool { return k == kindSymlink || k == kindHardlink }

// checkLinkTarget is the lexical check, done before anything is written.
// A symlink is resolved from its own directory, a hard link from the
// archive root; either must stay inside. restoreLinks checks the resolved
// result again on disk, which also catches tricks through other links.
func checkLinkTarget(e entry, seen map[string]entry) error {
	switch e.kind {
	case kindSymlink:
		if e.target == "" {
			return fmt.Errorf("%w: symlink %q has an empty target", ErrUnsafeArchive, e.name)
		}
		if path.IsAbs(e.target) {
			return fmt.Errorf("%w: symlink %q -> %q points outside the package (absolute target)", ErrUnsafeArchive, e.name, e.target)
		}
		if r := path.Join(path.Dir(e.name), e.target); r == ".." || strings.HasPrefix(r, "../") {
			return fmt.Errorf("%w: symlink %q -> %q points outside the package", ErrUnsafeArchive, e.name, e.target)
		}
	case kindHardlink:
		t, err := cleanEntryName(e.target)
		if err != nil {
			return fmt.Errorf("%w: hard link %q -> %q points outside the package", ErrUnsafeArchive, e.name, e.target)
		}
		if prev, ok := seen[t]; !ok || prev.kind == kindDir {
			return fmt.Errorf("%w: hard link %q -> %q: no such file earlier in the archive", ErrBadArchive, e.name, e.target)
		}
	}
	return nil
}

// nestedManifestHint helps the common packaging mistake of archiving the
// directory rather than its content.
func nestedManifestHint(final map[string]entry) string {
	for name, e := range final {
		if e.kind != kindDir && path.Base(name) == ManifestFile && strings.Count(name, "/") == 1 {
			return fmt.Sprintf(" (found %s: archive the directory's content, not the directory)", name)
		}
	}
	return ""
}
