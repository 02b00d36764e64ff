package fetch

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/bootagent/bootagent/syntax"
)

// pkgInfo is what the store reads from an rpm or deb (SPEC §4 "rpm and
// deb") besides its payload.
type pkgInfo struct {
	Format     string   // "rpm" or "deb"
	Name       string   // the package's own name (rpm Name, deb Package)
	Version    string   // rpm VERSION-RELEASE, Debian version without epoch
	Scriptlets []string // the scripts it carries, which the store never runs
	Manifests  []string // directories of the payload holding agent.yaml
}

// payloadWriter turns a package's payload into the plain tar the
// archive path unpacks, so every entry check of scan.go and layout.go
// (traversal, absolute and escaping links, devices, limits) applies to
// it unchanged. It only rewrites what a system package means differently
// from an archive: names are rooted at "/" (the payload root becomes the
// package directory), owners are dropped (the store's files belong to
// the daemon) and so are setuid, setgid and sticky bits. Names keep
// their ".." components and links their targets: those are refused by
// the checks, not quietly repaired here.
type payloadWriter struct {
	tw        *tar.Writer
	b         *budget
	manifests []string
}

// newPayloadWriter writes into w; the budget stops a bomb while it is
// converted, before the unpack counts the same bytes again.
func newPayloadWriter(w io.Writer, lim limits) *payloadWriter {
	return &payloadWriter{tw: tar.NewWriter(w), b: &budget{lim: lim}}
}

// payloadName is a payload path as an archive member name: "/opt/x" and
// "./opt/x" become "opt/x"; the root itself is "" (skipped).
func payloadName(name string) string {
	name = strings.TrimPrefix(name, ".")
	for strings.HasPrefix(name, "/") {
		name = name[1:]
	}
	return strings.TrimSuffix(name, "/")
}

// add writes one payload member. typeflag is tar's; body is read for a
// regular file.
func (p *payloadWriter) add(name string, typeflag byte, mode int64, link string, size int64, body io.Reader) error {
	name = payloadName(name)
	if name == "" && typeflag == tar.TypeDir {
		return nil // the payload root is the package directory itself
	}
	if err := p.b.entry(); err != nil {
		return err
	}
	if typeflag == tar.TypeDir {
		name += "/"
	}
	if typeflag == tar.TypeLink {
		link = payloadName(link)
	}
	if path.Base(name) == ManifestFile && typeflag == tar.TypeReg {
		p.manifests = append(p.manifests, path.Dir(path.Clean(name)))
	}
	h := &tar.Header{Name: name, Typeflag: typeflag, Mode: mode & 0o777, Linkname: link, Format: tar.FormatPAX}
	if typeflag == tar.TypeReg {
		h.Size = size
	}
	if err := p.tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%w: entry %q: %v", ErrBadArchive, name, err)
	}
	if typeflag != tar.TypeReg {
		return nil
	}
	// A body shorter or longer than its header says is a corrupt package;
	// the tar writer refuses both.
	if err := p.b.copy(p.tw, io.LimitReader(body, size+1), name); err != nil {
		return err
	}
	return nil
}

func (p *payloadWriter) close() error { return p.tw.Close() }

// convertPackage reads the rpm or deb at pkgPath and writes its payload as
// a tar to tarPath.
func convertPackage(pkgPath, format, tarPath string, lim limits) (pkgInfo, error) {
	in, err := os.Open(pkgPath)
	if err != nil {
		return pkgInfo{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(tarPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return pkgInfo{}, err
	}
	defer out.Close()
	pw := newPayloadWriter(out, lim)
	var info pkgInfo
	switch format {
	case "rpm":
		info, err = readRPM(in, pw)
	case "deb":
		info, err = readDeb(in, pw)
	default:
		err = fmt.Errorf("%w: package format %q", ErrUnsupportedSource, format)
	}
	if err != nil {
		return pkgInfo{}, err
	}
	if err := pw.close(); err != nil {
		return pkgInfo{}, err
	}
	if err := out.Close(); err != nil {
		return pkgInfo{}, err
	}
	info.Format, info.Manifests = format, pw.manifests
	if !syntax.Version(info.Version) {
		return pkgInfo{}, fmt.Errorf("%w: %s version %q does not match %s", ErrBadArchive, format, info.Version, syntax.VersionRule)
	}
	return info, nil
}

// packageRoot picks the package directory within a payload (SPEC §4):
// the directory holding agent.yaml, else the payload root ("."), where
// the doc's command runs. Of several agent.yaml, opt/NAME's wins, as the
// conventional home of a vendor's agent; any other choice would be a
// guess.
func packageRoot(name string, manifests []string) (string, error) {
	switch len(manifests) {
	case 0:
		return ".", nil
	case 1:
		return manifests[0], nil
	}
	for _, m := range manifests {
		if m == "opt/"+name {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w: %s found in %s: cannot tell which is the agent's (put it in opt/%s)",
		ErrBadManifest, ManifestFile, strings.Join(manifests, ", "), name)
}
