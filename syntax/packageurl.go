package syntax

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// ArchiveTypes are the archive types a package may come as (SPEC §4), by
// go-getter's decompressor names; the package store unpacks exactly these
// (fetch checks its table against this list).
var ArchiveTypes = []string{"tar", "tar.bz2", "tar.gz", "tar.xz", "tbz2", "tgz", "txz", "zip"}

// MaxPackageURL bounds a package URL: it is stored, logged and echoed.
const MaxPackageURL = 4096

// PackageURL is a package source as the store fetches it.
type PackageURL struct {
	Getter    string // what go-getter is asked for
	Display   string // for logs and errors: the password redacted
	Local     bool   // file:// or an absolute path: may go without checksum
	LocalPath string // the file itself, when Local
	Archive   string // one of ArchiveTypes or PackageFormats
}

// forcedGetter is go-getter's "git::https://…" syntax; it would reach
// getters the store does not configure, so it is refused up front.
var forcedGetter = regexp.MustCompile(`^[A-Za-z0-9]+::`)

// ParsePackageURL reads a package URL as the store will fetch it: http,
// https and ftp URLs with a host (user info allowed: basic auth, ftp
// login), file:///absolute URLs and absolute paths; nothing else that
// go-getter knows (git::, s3…) is configured. The archive type comes from
// ?archive=TYPE (go-getter's convention for URLs without an extension),
// else the longest known suffix of the path, and must be one of
// ArchiveTypes. Errors quote the URL with its password redacted.
func ParsePackageURL(raw string) (PackageURL, error) {
	s, u, err := parseLocation(raw)
	if err != nil {
		return PackageURL{}, err
	}
	return withArchive(s, u)
}

// parseLocation is ParsePackageURL without the archive type: the rules a
// signature URL follows too.
func parseLocation(raw string) (PackageURL, *url.URL, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return PackageURL{}, nil, fmt.Errorf("empty URL")
	case len(raw) > MaxPackageURL:
		return PackageURL{}, nil, fmt.Errorf("URL is %d bytes long (at most %d)", len(raw), MaxPackageURL)
	case strings.IndexFunc(raw, unicode.IsControl) >= 0:
		return PackageURL{}, nil, fmt.Errorf("%.60q contains control characters", RedactURL(raw))
	}
	if filepath.IsAbs(raw) { // a path may hold spaces; a URL may not
		p := filepath.Clean(raw)
		u := url.URL{Scheme: "file", Path: p}
		return PackageURL{Getter: u.String(), Display: p, Local: true, LocalPath: p}, &u, nil
	}
	if forcedGetter.MatchString(raw) {
		return PackageURL{}, nil, fmt.Errorf("%.60q: forced getters are not supported", RedactURL(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return PackageURL{}, nil, fmt.Errorf("not a URL: %w", err)
	}
	s := PackageURL{Getter: u.String(), Display: u.Redacted()}
	if strings.ContainsFunc(raw, unicode.IsSpace) {
		return PackageURL{}, nil, fmt.Errorf("%.60q: a URL has no spaces", s.Display)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
		if u.Host == "" {
			return PackageURL{}, nil, fmt.Errorf("%s: no host", s.Display)
		}
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !filepath.IsAbs(u.Path) {
			return PackageURL{}, nil, fmt.Errorf("%s: a file URL needs an absolute path (file:///…)", s.Display)
		}
		s.Local, s.LocalPath, s.Display = true, filepath.Clean(u.Path), u.Path
	default:
		return PackageURL{}, nil, fmt.Errorf("%s: scheme must be http, https, ftp or file, or an absolute path", s.Display)
	}
	return s, u, nil
}

func withArchive(s PackageURL, u *url.URL) (PackageURL, error) {
	known := slices.Concat(ArchiveTypes, PackageFormats)
	if a := u.Query().Get("archive"); a != "" {
		if !slices.Contains(known, a) {
			return PackageURL{}, fmt.Errorf("%s: archive type %q is not one of %s", s.Display, a, strings.Join(known, ", "))
		}
		s.Archive = a
		return s, nil
	}
	for _, k := range known {
		if strings.HasSuffix(u.Path, "."+k) && len(k) > len(s.Archive) {
			s.Archive = k
		}
	}
	if s.Archive == "" {
		return PackageURL{}, fmt.Errorf("%s: cannot tell the archive type: name it .%s or add ?archive=TYPE",
			s.Display, strings.Join(known, ", ."))
	}
	return s, nil
}
