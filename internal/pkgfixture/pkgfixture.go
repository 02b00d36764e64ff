// Package pkgfixture builds real .rpm and .deb files for tests: rpm with
// github.com/google/rpmpack, deb as the ar of control.tar.gz and
// data.tar.* that dpkg-deb writes. Tests of the store, of the system
// package managers and the scenarios share it, so they test the same
// packages.
package pkgfixture

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/rpmpack"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// File is one payload member, at an absolute path ("/opt/A/bin/a").
type File struct {
	Path string
	Body string
	Mode int64  // permission bits (setuid included); default 0644, 0755 for dirs
	Link string // a symlink to this target
	Dir  bool
	Char bool // a character device
}

// Spec is a package.
type Spec struct {
	Name    string
	Version string // upstream version
	Release string // rpm release, Debian revision ("" for none)
	Epoch   int
	// Compression: rpm gzip (default), xz, zstd, lzma; deb gz (default),
	// xz, zst, none.
	Compression string
	Files       []File
	Pre, Post   string   // %pre / preinst and %post / postinst, shell
	Requires    []string // dependencies: rpm names or a deb Depends list
}

// RPM returns the rpm of s.
func RPM(s Spec) ([]byte, error) {
	md := rpmpack.RPMMetaData{Name: s.Name, Version: s.Version, Release: s.Release, Epoch: uint32(s.Epoch),
		Arch: "noarch", OS: "linux", Summary: "BootAgent test fixture", Description: "fixture", Licence: "MIT",
		Compressor: s.Compression, BuildTime: time.Unix(1700000000, 0)}
	for _, r := range s.Requires {
		if err := md.Requires.Set(r); err != nil {
			return nil, err
		}
	}
	r, err := rpmpack.NewRPM(md)
	if err != nil {
		return nil, err
	}
	for _, f := range s.Files {
		rf := rpmpack.RPMFile{Name: f.Path, Body: []byte(f.Body), Owner: "root", Group: "root", MTime: 1700000000}
		switch {
		case f.Dir:
			rf.Mode = 0o040000 | uint(perm(f, 0o755))
		case f.Link != "":
			rf.Mode, rf.Body = 0o120777, []byte(f.Link)
		case f.Char:
			rf.Mode, rf.Body = 0o020000|uint(perm(f, 0o644)), nil
		default:
			rf.Mode = 0o100000 | uint(perm(f, 0o644))
		}
		r.AddFile(rf)
	}
	if modes := deviceModes(s.Files); modes != nil {
		r.AddCustomTag(1030, rpmpack.EntryUint16(modes)) // RPMTAG_FILEMODES
	}
	if s.Pre != "" {
		r.AddPrein(s.Pre)
	}
	if s.Post != "" {
		r.AddPostin(s.Post)
	}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// deviceModes is the file modes header of an rpm with a device node, nil
// without: rpmpack writes any file it does not know as a regular file, so
// the header's modes (which rpm, and the store, go by) are replaced with
// the ones meant, in rpmpack's order (sorted names).
func deviceModes(files []File) []uint16 {
	byPath := map[string]File{}
	dev := false
	for _, f := range files {
		byPath[f.Path] = f
		dev = dev || f.Char
	}
	if !dev {
		return nil
	}
	names := make([]string, 0, len(byPath))
	for p := range byPath {
		if p != "/" {
			names = append(names, p)
		}
	}
	sort.Strings(names)
	modes := make([]uint16, len(names))
	for i, n := range names {
		f := byPath[n]
		switch {
		case f.Dir:
			modes[i] = uint16(0o040000 | perm(f, 0o755))
		case f.Link != "":
			modes[i] = 0o120777
		case f.Char:
			modes[i] = uint16(0o020000 | perm(f, 0o644))
		default:
			modes[i] = uint16(0o100000 | perm(f, 0o644))
		}
	}
	return modes
}

func perm(f File, def int64) int64 {
	if f.Mode != 0 {
		return f.Mode
	}
	return def
}

// DebVersion is s's version as a deb control file writes it.
func (s Spec) DebVersion() string {
	v := s.Version
	if s.Epoch > 0 {
		v = fmt.Sprintf("%d:%s", s.Epoch, v)
	}
	if s.Release != "" {
		v += "-" + s.Release
	}
	return v
}

// Deb returns the .deb of s.
func Deb(s Spec) ([]byte, error) {
	ctl := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: BootAgent tests <tests@example.invalid>\nDescription: BootAgent test fixture\n",
		s.Name, s.DebVersion())
	if len(s.Requires) > 0 {
		ctl += "Depends: " + strings.Join(s.Requires, ", ") + "\n"
	}
	var control bytes.Buffer
	gz := gzip.NewWriter(&control)
	ctlFiles := []tarFile{{name: "./", dir: true}, {name: "./control", body: ctl, mode: 0o644}}
	if s.Pre != "" {
		ctlFiles = append(ctlFiles, tarFile{name: "./preinst", body: "#!/bin/sh\n" + s.Pre + "\n", mode: 0o755})
	}
	if s.Post != "" {
		ctlFiles = append(ctlFiles, tarFile{name: "./postinst", body: "#!/bin/sh\n" + s.Post + "\n", mode: 0o755})
	}
	if err := writeTar(gz, ctlFiles); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	data, ext, err := debData(s)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString("!<arch>\n")
	for _, m := range []struct {
		name string
		body []byte
	}{{"debian-binary", []byte("2.0\n")}, {"control.tar.gz", control.Bytes()}, {"data.tar" + ext, data}} {
		fmt.Fprintf(&out, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, 1700000000, 0, 0, "100644", len(m.body))
		out.Write(m.body)
		if len(m.body)%2 == 1 {
			out.WriteByte('\n')
		}
	}
	return out.Bytes(), nil
}

func debData(s Spec) ([]byte, string, error) {
	var b bytes.Buffer
	var w io.WriteCloser
	ext := ""
	var err error
	switch s.Compression {
	case "", "gz":
		w, ext = gzip.NewWriter(&b), ".gz"
	case "xz":
		w, err = xz.NewWriter(&b)
		ext = ".xz"
	case "zst":
		w, err = zstd.NewWriter(&b)
		ext = ".zst"
	case "none":
		w = nopCloser{&b}
	default:
		return nil, "", fmt.Errorf("deb compression %q", s.Compression)
	}
	if err != nil {
		return nil, "", err
	}
	if err := writeTar(w, debMembers(s.Files)); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), ext, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// debMembers are the files as dpkg-deb archives them: "./path", every
// parent directory first.
func debMembers(files []File) []tarFile {
	seen := map[string]bool{}
	out := []tarFile{{name: "./", dir: true, mode: 0o755}}
	var addDirs func(p string)
	addDirs = func(p string) {
		d := path.Dir(p)
		if d == "/" || d == "." || seen[d] {
			return
		}
		addDirs(d)
		seen[d] = true
		out = append(out, tarFile{name: "." + d + "/", dir: true, mode: 0o755})
	}
	for _, f := range files {
		// A hostile name ("/opt/../../x") is kept as written.
		if !strings.Contains(f.Path, "..") {
			addDirs(f.Path)
		}
		if f.Dir {
			if seen[path.Clean(f.Path)] {
				continue
			}
			seen[path.Clean(f.Path)] = true
		}
		def := int64(0o644)
		if f.Dir {
			def = 0o755
		}
		out = append(out, tarFile{name: "." + f.Path, body: f.Body, mode: perm(f, def), link: f.Link, dir: f.Dir, char: f.Char})
	}
	return out
}

type tarFile struct {
	name, body, link string
	mode             int64
	dir, char        bool
}

func writeTar(w io.Writer, files []tarFile) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Typeflag: tar.TypeReg, Size: int64(len(f.body)), Uname: "root", Gname: "root", ModTime: time.Unix(1700000000, 0)}
		switch {
		case f.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case f.link != "":
			h.Typeflag, h.Linkname, h.Size, h.Mode = tar.TypeSymlink, f.link, 0, 0o777
		case f.char:
			h.Typeflag, h.Size, h.Devmajor, h.Devminor = tar.TypeChar, 0, 1, 3
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Size > 0 {
			if _, err := io.WriteString(tw, f.body); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// Write builds s in the format named by file's suffix (.rpm or .deb)
// and writes it to dir/file, returning its path.
func Write(dir, file string, s Spec) (string, error) {
	var b []byte
	var err error
	switch {
	case strings.HasSuffix(file, ".rpm"):
		b, err = RPM(s)
	case strings.HasSuffix(file, ".deb"):
		b, err = Deb(s)
	default:
		return "", fmt.Errorf("pkgfixture: %s: name it .rpm or .deb", file)
	}
	if err != nil {
		return "", fmt.Errorf("pkgfixture: %s: %w", file, err)
	}
	p := path.Join(dir, file)
	return p, os.WriteFile(p, b, 0o644)
}
