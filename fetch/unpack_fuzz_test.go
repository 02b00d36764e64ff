package fetch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// Fuzz targets for archive scanning and unpacking (SPEC §9: archive
// entries cannot escape their directory). The invariant of both: unpack
// never panics, never writes outside its destination, and either fails
// with a terminal error (an archive that is wrong now is wrong on every
// retry) or leaves the complete tree the archive describes, with every
// link resolving inside it. `go test` runs the seeds in
// testdata/fuzz/FuzzXxx; `make fuzz` mutates.

// fuzzKinds are the archive types a fuzz input's kind byte picks from.
var fuzzKinds = []string{"tar.gz", "tar.xz", "zip", "tar"}

// FuzzUnpack builds a well-formed archive from a description, one entry a
// line: "f|name|body", "d|name", "l|name|target" (symlink), "h|name|target"
// (hard link, tar only) or "p|name" (fifo). Building the archive here lets
// the fuzzer work on names and links instead of fighting checksums.
func FuzzUnpack(f *testing.F) {
	f.Add([]byte("f|agent.yaml|version: 1.0.0\nd|bin\nf|bin/agent|x\nl|current|bin\n"), uint8(0))
	f.Fuzz(func(t *testing.T, desc []byte, kindByte uint8) {
		kind := fuzzKinds[int(kindByte)%len(fuzzKinds)]
		members := parseMembers(string(desc))
		if len(members) == 0 || len(members) > 64 {
			return
		}
		var buf bytes.Buffer
		if !buildArchive(&buf, kind, members) {
			return // the writers refuse it: no such archive can exist
		}
		checkUnpack(t, kind, buf.Bytes())
	})
}

// FuzzUnpackRaw unpacks arbitrary bytes as an archive: corrupt,
// truncated and hand-crafted containers (a zip's central directory, gzip
// members, xz blocks).
func FuzzUnpackRaw(f *testing.F) {
	var buf bytes.Buffer
	buildArchive(&buf, "zip", parseMembers("f|agent.yaml|version: 1.0.0\n"))
	f.Add(buf.Bytes(), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, kindByte uint8) {
		checkUnpack(t, fuzzKinds[int(kindByte)%len(fuzzKinds)], data)
	})
}

// checkUnpack unpacks data as kind in a sandbox laid out as the store's
// work directory, next to a file that must stay untouched, and checks the
// invariant.
func checkUnpack(t *testing.T, kind string, data []byte) {
	sandbox := t.TempDir()
	secret := filepath.Join(sandbox, "outside", "secret")
	work := filepath.Join(sandbox, "work")
	for _, d := range []string{filepath.Dir(secret), work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(work, "archive."+kind)
	if err := os.WriteFile(archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(work, "pkg")

	err := unpack(archive, kind, dst, fuzzLimits)

	checkNothingOutside(t, sandbox, dst, archive, secret)
	if err != nil {
		if !IsTerminal(err) {
			t.Fatalf("unpack of a local archive failed with a non-terminal error (it would be retried for ever): %v", err)
		}
		return
	}
	entries, err := scanArchive(archive, kind, fuzzLimits)
	if err != nil {
		t.Fatalf("unpack succeeded, a second scan fails: %v", err)
	}
	checkTree(t, dst, archive, kind, entries)
}

// checkNothingOutside walks the sandbox without following links: apart
// from the archive and the untouched secret, everything is under dst.
func checkNothingOutside(t *testing.T, sandbox, dst, archive, secret string) {
	t.Helper()
	if b, err := os.ReadFile(secret); err != nil || string(b) != "secret" {
		t.Errorf("the file outside the destination was changed: %q, %v", b, err)
	}
	allowed := map[string]bool{
		sandbox: true, filepath.Dir(secret): true, secret: true,
		filepath.Dir(archive): true, archive: true,
	}
	err := filepath.WalkDir(sandbox, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !allowed[p] && p != dst && !strings.HasPrefix(p, dst+string(filepath.Separator)) {
			t.Errorf("written outside the destination: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkTree checks the unpacked tree against the archive's entries: each
// is there with its kind, files with their content, nothing writable by
// others or setuid, and every symlink resolving inside dst.
func checkTree(t *testing.T, dst, archive, kind string, entries []entry) {
	t.Helper()
	realDst, err := filepath.EvalSymlinks(dst)
	if err != nil {
		t.Fatal(err)
	}
	bodies := archiveBodies(t, archive, kind)
	final := map[string]entry{}
	for _, e := range entries {
		final[e.name] = e
	}
	for name, e := range final {
		p := filepath.Join(dst, filepath.FromSlash(name))
		fi, err := os.Lstat(p)
		if err != nil {
			t.Errorf("entry %q missing from the tree: %v", name, err)
			continue
		}
		if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 || fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("entry %q has mode %s", name, fi.Mode())
		}
		switch e.kind {
		case kindDir:
			if !fi.IsDir() {
				t.Errorf("entry %q: want a directory, got %s", name, fi.Mode())
			}
		case kindFile:
			b, err := os.ReadFile(p)
			if !fi.Mode().IsRegular() || err != nil {
				t.Errorf("entry %q: want a regular file, got %s (%v)", name, fi.Mode(), err)
			} else if want, ok := bodies[name]; ok && string(b) != want {
				t.Errorf("entry %q: content %q, archive says %q", name, b, want)
			}
		case kindSymlink:
			got, err := os.Readlink(p)
			if err != nil || got != e.target {
				t.Errorf("entry %q: link to %q (%v), want %q", name, got, err, e.target)
			}
			resolved, err := filepath.EvalSymlinks(p)
			if rel, rerr := filepath.Rel(realDst, resolved); err != nil || rerr != nil || !filepath.IsLocal(rel) && rel != "." {
				t.Errorf("symlink %q -> %q resolves to %q, outside the package (%v)", name, e.target, resolved, err)
			}
		case kindHardlink:
			target, err := os.Lstat(filepath.Join(dst, filepath.FromSlash(path.Clean(e.target))))
			if err != nil || !os.SameFile(fi, target) {
				t.Errorf("entry %q: not a hard link of %q (%v)", name, e.target, err)
			}
		}
	}
}

// archiveBodies reads every regular file's last content from the archive
// by its cleaned name; formats it cannot read give none (no check).
func archiveBodies(t *testing.T, archive, kind string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if kind == "zip" {
		zr, err := zip.OpenReader(archive)
		if err != nil {
			return out
		}
		defer zr.Close()
		for _, f := range zr.File {
			if !f.Mode().IsRegular() {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			out[path.Clean(f.Name)] = string(b)
		}
		return out
	}
	file, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	stream, err := archiveKinds[kind].tarStream(file)
	if err != nil {
		return out
	}
	tr := tar.NewReader(stream)
	for {
		h, err := tr.Next()
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return out
		}
		e, skip, err := tarEntry(h)
		if err != nil || skip {
			continue
		}
		if e.kind == kindFile {
			b, _ := io.ReadAll(tr)
			out[e.name] = string(b)
		} else {
			delete(out, e.name)
		}
	}
}

// parseMembers reads FuzzUnpack's description format.
func parseMembers(desc string) []member {
	var ms []member
	for line := range strings.SplitSeq(desc, "\n") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) < 2 {
			continue
		}
		m := member{name: parts[1]}
		arg := ""
		if len(parts) == 3 {
			arg = parts[2]
		}
		switch parts[0] {
		case "f":
			m.body = strings.ReplaceAll(arg, `\n`, "\n")
		case "d":
			m.dir = true
		case "l":
			m.link = arg
		case "h":
			m.hard = arg
		case "p":
			m.fifo = true
		case "x":
			m.body, m.mode = arg, 0o6777 // setuid, world-writable
		default:
			continue
		}
		if (m.link == "" && parts[0] == "l") || (m.hard == "" && parts[0] == "h") {
			continue
		}
		ms = append(ms, m)
	}
	return ms
}

// buildArchive writes members as kind, as writeArchive does, but reports
// a refusal of the archive writers instead of failing the test.
func buildArchive(w io.Writer, kind string, members []member) (ok bool) {
	switch kind {
	case "zip":
		return buildZip(w, members)
	case "tar":
		return buildTar(w, members)
	case "tar.gz":
		gz := gzip.NewWriter(w)
		return buildTar(gz, members) && gz.Close() == nil
	case "tar.xz":
		xw, err := xz.NewWriter(w)
		return err == nil && buildTar(xw, members) && xw.Close() == nil
	}
	return false
}

func buildTar(w io.Writer, members []member) bool {
	tw := tar.NewWriter(w)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(m.body))}
		switch {
		case m.dir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case m.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, m.link, 0
		case m.hard != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, m.hard, 0
		case m.fifo:
			h.Typeflag, h.Size = tar.TypeFifo, 0
		case m.mode != 0:
			h.Mode = m.mode
		}
		if tw.WriteHeader(h) != nil {
			return false
		}
		if _, err := io.WriteString(tw, m.body); h.Size > 0 && err != nil {
			return false
		}
	}
	return tw.Close() == nil
}

func buildZip(w io.Writer, members []member) bool {
	zw := zip.NewWriter(w)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		body := m.body
		switch {
		case m.dir:
			h.SetMode(fs.ModeDir | 0o755)
		case m.link != "":
			h.SetMode(fs.ModeSymlink | 0o777)
			body = m.link
		case m.hard != "":
			return false // zip has no hard links
		case m.fifo:
			h.SetMode(fs.ModeNamedPipe | 0o644)
		case m.mode != 0:
			h.SetMode(fs.FileMode(m.mode&0o777) | fs.ModeSetuid | fs.ModeSetgid)
		default:
			h.SetMode(0o644)
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return false
		}
		if _, err := io.WriteString(fw, body); err != nil {
			return false
		}
	}
	return zw.Close() == nil
}

// fuzzLimits bound what one fuzzed archive may unpack: far above any seed,
// low enough that a bomb the fuzzer finds ends as a LimitError.
var fuzzLimits = limits{url: "fuzz", maxDownload: 1 << 30, maxUnpacked: 64 << 20, maxEntries: 10000}
