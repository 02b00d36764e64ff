package fetch

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// source is a request URL checked and prepared for go-getter.
type source struct {
	getterSrc string // what go-getter is asked for
	display   string // for logs and errors: no password
	local     bool   // file:// or an absolute path: may go without checksum
	localPath string // the file itself, when local
	archive   string // key in archiveKinds
}

// forcedGetter is go-getter's "git::https://…" syntax; it would reach
// getters this package does not configure, so it is refused up front.
var forcedGetter = regexp.MustCompile(`^[A-Za-z0-9]+::`)

// parseSource accepts http, https, ftp, file URLs and absolute paths, and
// works out the archive type from the ?archive= parameter (go-getter's
// convention for URLs without an extension) or the longest known suffix.
func parseSource(raw string) (source, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return source{}, fmt.Errorf("%w: empty URL", ErrUnsupportedSource)
	}
	if filepath.IsAbs(raw) {
		p := filepath.Clean(raw)
		u := url.URL{Scheme: "file", Path: p}
		return withArchive(source{getterSrc: u.String(), display: p, local: true, localPath: p}, &u)
	}
	if forcedGetter.MatchString(raw) {
		return source{}, fmt.Errorf("%w: %q: forced getters are not supported", ErrUnsupportedSource, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return source{}, fmt.Errorf("%w: %v", ErrUnsupportedSource, err)
	}
	s := source{getterSrc: u.String(), display: u.Redacted()}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
		if u.Host == "" {
			return source{}, fmt.Errorf("%w: %s: no host", ErrUnsupportedSource, s.display)
		}
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !filepath.IsAbs(u.Path) {
			return source{}, fmt.Errorf("%w: %s: a file URL needs an absolute path (file:///…)", ErrUnsupportedSource, s.display)
		}
		s.local, s.localPath, s.display = true, filepath.Clean(u.Path), u.Path
	default:
		return source{}, fmt.Errorf("%w: %s: scheme must be http, https, ftp or file, or an absolute path", ErrUnsupportedSource, s.display)
	}
	return withArchive(s, u)
}

func withArchive(s source, u *url.URL) (source, error) {
	if a := u.Query().Get("archive"); a != "" {
		if _, ok := archiveKinds[a]; !ok {
			return source{}, fmt.Errorf("%w: %s: archive type %q is not one of %s", ErrUnsupportedSource, s.display, a, strings.Join(knownArchives(), ", "))
		}
		s.archive = a
		return s, nil
	}
	for k := range archiveKinds {
		if strings.HasSuffix(u.Path, "."+k) && len(k) > len(s.archive) {
			s.archive = k
		}
	}
	if s.archive == "" {
		return source{}, fmt.Errorf("%w: %s: cannot tell the archive type: name it .%s or add ?archive=TYPE",
			ErrUnsupportedSource, s.display, strings.Join(knownArchives(), ", ."))
	}
	return s, nil
}

func knownArchives() []string {
	keys := make([]string, 0, len(archiveKinds))
	for k := range archiveKinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
