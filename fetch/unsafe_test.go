package fetch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// absEvil is an absolute entry name no test machine has.
const absEvil = "/bootagent-fetch-test-evil"

func TestFetchRefusesUnsafeArchives(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		members []member
		wantErr error
		entry   string // the message must name it
	}{
		{name: "tar dot-dot entry", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "../evil", body: "x"}), wantErr: ErrUnsafeArchive, entry: "../evil"},
		{name: "tar nested dot-dot entry", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "bin/../../evil", body: "x"}), wantErr: ErrUnsafeArchive, entry: "bin/../../evil"},
		{name: "tar absolute entry", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: absEvil, body: "x"}), wantErr: ErrUnsafeArchive, entry: absEvil},
		{name: "tar symlink escaping", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "bin/evil", link: "../../evil"}), wantErr: ErrUnsafeArchive, entry: "bin/evil"},
		{name: "tar symlink absolute", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "passwd", link: "/etc/passwd"}), wantErr: ErrUnsafeArchive, entry: "passwd"},
		{name: "tar symlink escaping through another link", file: "a.tar.gz", members: pkgMembers("1.0.0",
			member{name: "d", link: "."}, member{name: "evil", link: "d/../archive.tar.gz"}), wantErr: ErrUnsafeArchive, entry: "evil"},
		{name: "tar dangling symlink", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "nothing", link: "no-such-file"}), wantErr: ErrUnsafeArchive, entry: "nothing"},
		{name: "tar entry beneath a symlink", file: "a.tar.gz", members: pkgMembers("1.0.0",
			member{name: "lnk", link: "bin"}, member{name: "lnk/x", body: "x"}), wantErr: ErrUnsafeArchive, entry: "lnk/x"},
		{name: "tar hard link escaping", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "h", hard: "../evil"}), wantErr: ErrUnsafeArchive, entry: "h"},
		{name: "tar fifo", file: "a.tar.gz", members: pkgMembers("1.0.0", member{name: "pipe", fifo: true}), wantErr: ErrUnsafeArchive, entry: "pipe"},
		{name: "tar.xz dot-dot entry", file: "a.tar.xz", members: pkgMembers("1.0.0", member{name: "../evil", body: "x"}), wantErr: ErrUnsafeArchive, entry: "../evil"},
		{name: "zip dot-dot entry", file: "a.zip", members: pkgMembers("1.0.0", member{name: "../evil", body: "x"}), wantErr: ErrUnsafeArchive, entry: "../evil"},
		{name: "zip absolute entry", file: "a.zip", members: pkgMembers("1.0.0", member{name: absEvil, body: "x"}), wantErr: ErrUnsafeArchive, entry: absEvil},
		{name: "zip symlink escaping", file: "a.zip", members: pkgMembers("1.0.0", member{name: "evil", link: "../../evil"}), wantErr: ErrUnsafeArchive, entry: "evil"},
		{name: "zip fifo", file: "a.zip", members: pkgMembers("1.0.0", member{name: "pipe", fifo: true}), wantErr: ErrUnsafeArchive, entry: "pipe"},
		{name: "no manifest", file: "a.tar.gz", members: []member{{name: "bin/agent", body: "x"}}, wantErr: ErrBadManifest, entry: "agent.yaml"},
		{name: "manifest one level down", file: "a.tar.gz", members: []member{{name: "A-1.0.0/agent.yaml", body: "version: 1.0.0\n"}}, wantErr: ErrBadManifest, entry: "A-1.0.0/agent.yaml"},
		{name: "file and directory of one name", file: "a.tar.gz", members: pkgMembers("1.0.0",
			member{name: "x", body: "file"}, member{name: "x/y", body: "under"}), wantErr: ErrBadArchive, entry: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			p := writeArchive(t, root, tt.file, tt.members)
			s, state := newTestStore(t, nil)
			_, err := s.Fetch(context.Background(), Request{Name: "A", URL: p, Checksum: checksumOf(t, p)})
			if !errors.Is(err, tt.wantErr) || !IsTerminal(err) {
				t.Fatalf("err = %v, want terminal %v", err, tt.wantErr)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tt.entry) {
				t.Errorf("err = %v, does not name %q", err, tt.entry)
			}
			assertNothingInstalled(t, state, "A")
			assertNoEvil(t, root, state)
		})
	}
}

// assertNoEvil checks that no "evil" file landed anywhere a test could
// have put it: next to the archive, around the store, or at the root.
func assertNoEvil(t *testing.T, dirs ...string) {
	t.Helper()
	if _, err := os.Lstat(absEvil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s exists", absEvil)
	}
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Dir(d), func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.Name() == "evil" {
				t.Errorf("escaped entry written: %s", p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestFetchRefusesCorruptArchives(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		corrupt func([]byte) []byte
	}{
		{name: "truncated tar.gz", file: "a.tar.gz", corrupt: func(b []byte) []byte { return b[:len(b)/2] }},
		{name: "gzip checksum broken", file: "a.tar.gz", corrupt: func(b []byte) []byte { b[len(b)-6] ^= 0xff; return b }},
		{name: "truncated zip", file: "a.zip", corrupt: func(b []byte) []byte { return b[:len(b)-30] }},
		{name: "not an archive", file: "a.tar.xz", corrupt: func([]byte) []byte { return []byte("<html>not found</html>") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeArchive(t, t.TempDir(), tt.file, pkgMembers("1.0.0", member{name: "big", body: strings.Repeat("data ", 4096)}))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tt.corrupt(b), 0o644); err != nil {
				t.Fatal(err)
			}
			s, state := newTestStore(t, nil)
			// The checksum is the corrupt file's own: what is tested is the
			// archive check, not the checksum.
			_, err = s.Fetch(context.Background(), Request{Name: "A", URL: p, Checksum: checksumOf(t, p)})
			if !errors.Is(err, ErrBadArchive) || !IsTerminal(err) {
				t.Fatalf("err = %v, want a terminal ErrBadArchive", err)
			}
			assertNothingInstalled(t, state, "A")
		})
	}
}

func TestFetchKeepsLinksInside(t *testing.T) {
	tests := []struct {
		name string
		file string
		hard bool // zip has no hard links
	}{
		{name: "tar.gz", file: "a.tar.gz", hard: true},
		{name: "zip", file: "a.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members := pkgMembers("1.0.0",
				member{name: "lib/libx.so.1", body: "elf"},
				member{name: "lib/libx.so", link: "libx.so.1"},
				member{name: "current", link: "bin"},
			)
			if tt.hard {
				members = append(members, member{name: "bin/agent-hard", hard: "bin/agent"})
			}
			p := writeArchive(t, t.TempDir(), tt.file, members)
			s, _ := newTestStore(t, nil)
			inst, err := s.Fetch(context.Background(), Request{Name: "A", URL: p})
			if err != nil {
				t.Fatal(err)
			}
			for link, target := range map[string]string{"lib/libx.so": "libx.so.1", "current": "bin"} {
				if got, err := os.Readlink(filepath.Join(inst.Dir, link)); err != nil || got != target {
					t.Errorf("Readlink(%s) = %q, %v; want %q", link, got, err, target)
				}
			}
			assertFile(t, filepath.Join(inst.Dir, "current", "agent"), "#!/bin/sh\necho 1.0.0\n", 0o755)
			if tt.hard {
				a, _ := os.Stat(filepath.Join(inst.Dir, "bin", "agent"))
				h, err := os.Stat(filepath.Join(inst.Dir, "bin", "agent-hard"))
				if err != nil || !os.SameFile(a, h) {
					t.Errorf("bin/agent-hard is not a hard link of bin/agent (%v)", err)
				}
			}
		})
	}
}
