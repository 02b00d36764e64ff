package fetch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bootagent/bootagent/internal/pkgfixture"
)

// agentPayload is an agent shipped the way vendors do: under /opt/NAME,
// with agent.yaml there, a setuid binary and a relative symlink.
func agentPayload(name, version string) []pkgfixture.File {
	return []pkgfixture.File{
		{Path: "/opt/" + name, Dir: true},
		{Path: "/opt/" + name + "/agent.yaml", Body: "version: " + version + "\ncommand: [bin/agent]\n"},
		{Path: "/opt/" + name + "/bin", Dir: true},
		{Path: "/opt/" + name + "/bin/agent", Body: "#!/bin/sh\necho " + version + "\n", Mode: 0o4755},
		{Path: "/opt/" + name + "/bin/run", Link: "agent"},
		{Path: "/usr/share/doc/" + name + "/README", Body: "docs\n"},
	}
}

func writePkg(t *testing.T, file string, s pkgfixture.Spec) string {
	t.Helper()
	p, err := pkgfixture.Write(t.TempDir(), file, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFetchSystemPackageInStoreMode(t *testing.T) {
	for _, tc := range []struct {
		name, file, compression string
	}{
		{name: "rpm gzip", file: "a.rpm", compression: "gzip"},
		{name: "rpm xz", file: "a.rpm", compression: "xz"},
		{name: "rpm zstd", file: "a.rpm", compression: "zstd"},
		{name: "rpm lzma", file: "a.rpm", compression: "lzma"},
		{name: "deb gz", file: "a.deb", compression: "gz"},
		{name: "deb xz", file: "a.deb", compression: "xz"},
		{name: "deb zst", file: "a.deb", compression: "zst"},
		{name: "deb uncompressed", file: "a.deb", compression: "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			p := writePkg(t, tc.file, pkgfixture.Spec{Name: "vendor-agent", Version: "1.5.6", Release: "2", Epoch: 1,
				Compression: tc.compression, Files: agentPayload("A", "1.5.6-2")})
			inst, err := s.Fetch(context.Background(), Request{Name: "A", Version: "1.5.6-2", URL: p})
			if err != nil {
				t.Fatal(err)
			}
			wantDir := filepath.Join(state, "packages", "A", "1.5.6-2", "opt", "A")
			if inst.Version != "1.5.6-2" || inst.Dir != wantDir || strings.Join(inst.Manifest.Command, " ") != "bin/agent" {
				t.Fatalf("Installed = %+v; want version 1.5.6-2 in %s running bin/agent", inst, wantDir)
			}
			fi, err := os.Stat(filepath.Join(inst.Dir, "bin", "agent"))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 || fi.Mode().Perm() != 0o755 {
				t.Errorf("bin/agent mode %v; want 0755 without setuid", fi.Mode())
			}
			if b, err := os.ReadFile(filepath.Join(inst.Dir, "bin", "run")); err != nil || !strings.Contains(string(b), "echo 1.5.6-2") {
				t.Errorf("bin/run (symlink to agent) reads %q, %v", b, err)
			}
			if _, err := os.Stat(filepath.Join(state, "packages", "A", "1.5.6-2", "usr", "share", "doc", "A", "README")); err != nil {
				t.Errorf("the rest of the payload: %v", err)
			}
			list, err := s.List("A")
			if err != nil || len(list) != 1 || list[0].Dir != inst.Dir || list[0].Version != inst.Version || len(list[0].Manifest.Command) != 1 {
				t.Fatalf("List = %+v, %v; want the fetched version", list, err)
			}
		})
	}
}

func TestFetchSystemPackageWithoutManifest(t *testing.T) {
	for _, file := range []string{"b.rpm", "b.deb"} {
		t.Run(file, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			p := writePkg(t, file, pkgfixture.Spec{Name: "b", Version: "2.0", Release: "7", Epoch: 3,
				Files: []pkgfixture.File{{Path: "/usr/bin/b", Body: "#!/bin/sh\n", Mode: 0o755}}})
			// No version named: the package's own, without its epoch.
			inst, err := s.Fetch(context.Background(), Request{Name: "B", URL: p})
			if err != nil {
				t.Fatal(err)
			}
			root := filepath.Join(state, "packages", "B", "2.0-7")
			if inst.Version != "2.0-7" || inst.Dir != root || inst.Manifest.Command != nil {
				t.Fatalf("Installed = %+v; want 2.0-7 at the payload root %s with no command", inst, root)
			}
			if _, err := os.Stat(filepath.Join(inst.Dir, "usr", "bin", "b")); err != nil {
				t.Fatal(err)
			}
			if list, err := s.List("B"); err != nil || len(list) != 1 || list[0].Dir != root {
				t.Fatalf("List = %+v, %v", list, err)
			}
		})
	}
}

func TestFetchSystemPackageVersionMismatch(t *testing.T) {
	for _, tc := range []struct {
		name, file, version string
		files               []pkgfixture.File
		want                error
	}{
		{name: "rpm: doc names another version", file: "c.rpm", version: "9.9-1", files: agentPayload("C", "1.0-1"), want: ErrVersionMismatch},
		{name: "deb: doc names another version", file: "c.deb", version: "9.9-1", files: agentPayload("C", "1.0-1"), want: ErrVersionMismatch},
		{name: "rpm: agent.yaml disagrees with the rpm", file: "c.rpm", files: agentPayload("C", "0.1"), want: ErrBadManifest},
		{name: "deb: two agent.yaml, none in opt/NAME", file: "c.deb", want: ErrBadManifest, files: []pkgfixture.File{
			{Path: "/srv/x/agent.yaml", Body: "version: 1.0-1\n"}, {Path: "/srv/y/agent.yaml", Body: "version: 1.0-1\n"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			p := writePkg(t, tc.file, pkgfixture.Spec{Name: "c", Version: "1.0", Release: "1", Files: tc.files})
			_, err := s.Fetch(context.Background(), Request{Name: "C", Version: tc.version, URL: p})
			if !errors.Is(err, tc.want) || !IsTerminal(err) {
				t.Fatalf("Fetch = %v; want %v (terminal)", err, tc.want)
			}
			assertNothingInstalled(t, state, "C")
		})
	}
}

func TestFetchHostileSystemPackages(t *testing.T) {
	for _, tc := range []struct {
		name string
		file pkgfixture.File
		want string
	}{
		{name: "dot-dot", file: pkgfixture.File{Path: "/opt/../../etc/cron.d/x", Body: "* * * * * root id\n"}, want: "escapes the package directory"},
		{name: "absolute symlink", file: pkgfixture.File{Path: "/opt/D/shadow", Link: "/etc/shadow"}, want: "absolute target"},
		{name: "escaping symlink", file: pkgfixture.File{Path: "/opt/D/up", Link: "../../../../etc"}, want: "points outside the package"},
		{name: "device node", file: pkgfixture.File{Path: "/opt/D/mem", Char: true}, want: "has no place in a package"},
	} {
		for _, ext := range []string{".rpm", ".deb"} {
			t.Run(tc.name+ext, func(t *testing.T) {
				s, state := newTestStore(t, nil)
				p := writePkg(t, "d"+ext, pkgfixture.Spec{Name: "d", Version: "1", Release: "1",
					Files: append(agentPayload("D", "1-1"), tc.file)})
				_, err := s.Fetch(context.Background(), Request{Name: "D", URL: p})
				if !errors.Is(err, ErrUnsafeArchive) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Fetch = %v; want ErrUnsafeArchive saying %q", err, tc.want)
				}
				assertNothingInstalled(t, state, "D")
			})
		}
	}
}

func TestFetchSystemPackageLimits(t *testing.T) {
	for _, ext := range []string{".rpm", ".deb"} {
		t.Run(ext, func(t *testing.T) {
			s, state := newTestStore(t, func(o *Options) { o.MaxUnpacked = 1 << 10 })
			big := strings.Repeat("0", 64<<10) // compresses to almost nothing
			p := writePkg(t, "e"+ext, pkgfixture.Spec{Name: "e", Version: "1", Release: "1",
				Files: append(agentPayload("E", "1-1"), pkgfixture.File{Path: "/opt/E/zeros", Body: big})})
			_, err := s.Fetch(context.Background(), Request{Name: "E", URL: p})
			var le *LimitError
			if !errors.As(err, &le) || le.Key != "package_max_unpacked" {
				t.Fatalf("Fetch = %v; want a package_max_unpacked LimitError", err)
			}
			assertNothingInstalled(t, state, "E")
		})
	}
}

func TestFetchSystemPackageLogsScriptsNotRunOnce(t *testing.T) {
	for _, ext := range []string{".rpm", ".deb"} {
		t.Run(ext, func(t *testing.T) {
			var logs bytes.Buffer
			s, _ := newTestStore(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			marker := filepath.Join(t.TempDir(), "ran")
			p := writePkg(t, "f"+ext, pkgfixture.Spec{Name: "f", Version: "1", Release: "1", Files: agentPayload("F", "1-1"),
				Pre: "touch " + marker, Post: "touch " + marker})
			for range 2 { // the second is the same package, already there
				if _, err := s.Fetch(context.Background(), Request{Name: "F", URL: p}); err != nil {
					t.Fatal(err)
				}
			}
			if n := strings.Count(logs.String(), "package scripts not run"); n != 1 {
				t.Errorf("%d log lines about scripts not run; want 1:\n%s", n, logs.String())
			}
			if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a scriptlet ran (stat %s: %v)", marker, err)
			}
		})
	}
}

func TestFetchSystemPackageUpgradeKeepsBothVersions(t *testing.T) {
	s, _ := newTestStore(t, nil)
	for _, rel := range []string{"1", "2"} {
		p := writePkg(t, "g.rpm", pkgfixture.Spec{Name: "g", Version: "1.0", Release: rel, Files: agentPayload("G", "1.0-"+rel)})
		if _, err := s.Fetch(context.Background(), Request{Name: "G", URL: p}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List("G")
	if err != nil || len(list) != 2 || list[0].Version != "1.0-1" || list[1].Version != "1.0-2" {
		t.Fatalf("List = %+v, %v; want 1.0-1 and 1.0-2", list, err)
	}
	if err := s.GC("G", "1.0-2"); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List("G"); len(list) != 1 || list[0].Version != "1.0-2" {
		t.Fatalf("after GC: %+v", list)
	}
}
