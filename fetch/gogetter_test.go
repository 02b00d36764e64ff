package fetch

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	getter "github.com/hashicorp/go-getter/v2"
)

// TestGoGetterDecompressorsAlone pins what go-getter's decompressors do
// without this package's checks, which is why scanArchive and restoreLinks
// exist. If an upgrade of go-getter changes a row, revisit unpack.go.
func TestGoGetterDecompressorsAlone(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		members []member
		refused bool
		// check inspects dst when go-getter accepted the archive.
		check func(t *testing.T, dst string)
	}{
		{name: "tar dot-dot entry is refused", file: "a.tar.gz", members: []member{{name: "../evil", body: "x"}}, refused: true},
		{name: "zip dot-dot entry is refused", file: "a.zip", members: []member{{name: "../evil", body: "x"}}, refused: true},
		{name: "tar absolute entry is unpacked under dst", file: "a.tar.gz", members: []member{{name: "/abs/file", body: "x"}},
			check: func(t *testing.T, dst string) { assertFile(t, filepath.Join(dst, "abs", "file"), "x", 0o644) }},
		{name: "zip absolute entry is unpacked under dst", file: "a.zip", members: []member{{name: "/abs/file", body: "x"}},
			check: func(t *testing.T, dst string) { assertFile(t, filepath.Join(dst, "abs", "file"), "x", 0o644) }},
		{name: "tar escaping symlink becomes an empty file", file: "a.tar.gz", members: []member{{name: "f", body: "x"}, {name: "evil", link: "../../etc/passwd"}},
			check: func(t *testing.T, dst string) { assertRegular(t, filepath.Join(dst, "evil"), "") }},
		{name: "tar inside symlink is lost too", file: "a.tar.gz", members: []member{{name: "f", body: "x"}, {name: "l", link: "f"}},
			check: func(t *testing.T, dst string) { assertRegular(t, filepath.Join(dst, "l"), "") }},
		{name: "zip symlink becomes a file holding its target", file: "a.zip", members: []member{{name: "evil", link: "../../etc/passwd"}},
			check: func(t *testing.T, dst string) { assertRegular(t, filepath.Join(dst, "evil"), "../../etc/passwd") }},
		{name: "tar setuid bit is dropped", file: "a.tar.gz", members: []member{{name: "suid", body: "x", mode: 0o4755}},
			check: func(t *testing.T, dst string) { assertFile(t, filepath.Join(dst, "suid"), "x", 0o755) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			p := writeArchive(t, root, tt.file, tt.members)
			dst := filepath.Join(root, "out", "pkg")
			kind := "tar.gz"
			if filepath.Ext(tt.file) == ".zip" {
				kind = "zip"
			}
			err := getter.Decompressors[kind].Decompress(dst, p, true, 0o022)
			if tt.refused {
				if err == nil {
					t.Fatal("go-getter accepted the archive")
				}
				assertNoEvil(t, dst)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, dst)
		})
	}
}

func assertRegular(t *testing.T, p, body string) {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() {
		t.Fatalf("%s is %s, want a regular file", p, info.Mode())
	}
	if b, _ := os.ReadFile(p); string(b) != body {
		t.Errorf("%s holds %q, want %q", p, b, body)
	}
}

// TestGoGetterFileGetterSymlinksByDefault pins why download sets Copy.
func TestGoGetterFileGetterSymlinksByDefault(t *testing.T) {
	src := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0"))
	for _, copyFile := range []bool{false, true} {
		dst := filepath.Join(t.TempDir(), "archive")
		c := &getter.Client{Getters: []getter.Getter{&getter.FileGetter{}}, Decompressors: map[string]getter.Decompressor{}}
		_, err := c.Get(context.Background(), &getter.Request{Src: "file://" + src, Dst: dst, GetMode: getter.ModeFile, Copy: copyFile})
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Lstat(dst)
		if err != nil {
			t.Fatal(err)
		}
		if isLink := info.Mode()&fs.ModeSymlink != 0; isLink == copyFile {
			t.Errorf("Copy=%v: destination is a symlink: %v", copyFile, isLink)
		}
	}
}
