package fetch

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// member is one archive entry a test writes: a file by default, a
// directory, a symlink (link), a hard link (hard) or a fifo.
type member struct {
	name string
	body string
	dir  bool
	link string
	hard string
	fifo bool
	mode int64
}

// pkgMembers is a minimal valid package of the given manifest version.
func pkgMembers(version string, extra ...member) []member {
	return append([]member{
		{name: "agent.yaml", body: fmt.Sprintf("version: %q\ncommand: [bin/agent, -c, agent.conf]\nenv: {LEVEL: info}\n", version)},
		{name: "bin/", dir: true},
		{name: "bin/agent", body: "#!/bin/sh\necho " + version + "\n", mode: 0o755},
	}, extra...)
}

// writeArchive builds dir/file from members, its format chosen by the
// file name's suffix, and returns its path.
func writeArchive(t *testing.T, dir, file string, members []member) string {
	t.Helper()
	p := filepath.Join(dir, file)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	switch {
	case strings.HasSuffix(file, ".zip"):
		writeZip(t, f, members)
	case strings.HasSuffix(file, ".tar.gz"), strings.HasSuffix(file, ".tgz"):
		gz := gzip.NewWriter(f)
		writeTar(t, gz, members)
		closeOrFail(t, gz)
	case strings.HasSuffix(file, ".tar.xz"), strings.HasSuffix(file, ".txz"):
		xw, err := xz.NewWriter(f)
		if err != nil {
			t.Fatal(err)
		}
		writeTar(t, xw, members)
		closeOrFail(t, xw)
	default:
		// Extension-less names (served with ?archive=) are gzipped tars.
		gz := gzip.NewWriter(f)
		writeTar(t, gz, members)
		closeOrFail(t, gz)
	}
	return p
}

func writeTar(t *testing.T, w io.Writer, members []member) {
	t.Helper()
	tw := tar.NewWriter(w)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: m.mode, Typeflag: tar.TypeReg, Size: int64(len(m.body))}
		switch {
		case m.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case m.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, m.link, 0
		case m.hard != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, m.hard, 0
		case m.fifo:
			h.Typeflag, h.Size = tar.TypeFifo, 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if m.dir {
				h.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := io.WriteString(tw, m.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	closeOrFail(t, tw)
}

func writeZip(t *testing.T, w io.Writer, members []member) {
	t.Helper()
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
		case m.fifo:
			h.SetMode(fs.ModeNamedPipe | 0o644)
		case m.mode != 0:
			h.SetMode(fs.FileMode(m.mode))
		default:
			h.SetMode(0o644)
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(fw, body); err != nil {
			t.Fatal(err)
		}
	}
	closeOrFail(t, zw)
}

func closeOrFail(t *testing.T, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// checksumOf is the wire form of a file's sha256.
func checksumOf(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return "SHA256:" + hex.EncodeToString(sum[:])
}
