package fetch

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestFetchSources(t *testing.T) {
	web := newPkgServer(t, false)
	webTLS := newPkgServer(t, true)
	local := t.TempDir()
	ftpRoot := t.TempDir()
	ftpAddr := startFTP(t, ftpRoot)

	tests := []struct {
		name string
		// source writes the archive somewhere and returns its URL and checksum.
		source func(t *testing.T) (url, checksum string)
	}{
		{"http tar.gz", func(t *testing.T) (string, string) {
			return web.put(t, "a.tar.gz", pkgMembers("1.5.6"))
		}},
		{"http archive type from query", func(t *testing.T) (string, string) {
			u, sum := web.put(t, "download", pkgMembers("1.5.6"))
			return u + "?archive=tar.gz", sum
		}},
		{"https zip", func(t *testing.T) (string, string) {
			return webTLS.put(t, "a.zip", pkgMembers("1.5.6"))
		}},
		{"file URL tgz", func(t *testing.T) (string, string) {
			p := writeArchive(t, local, "a.tgz", pkgMembers("1.5.6"))
			return "file://" + p, checksumOf(t, p)
		}},
		{"absolute path tar.xz without checksum", func(t *testing.T) (string, string) {
			p := writeArchive(t, local, "a.tar.xz", pkgMembers("1.5.6"))
			return p, ""
		}},
		{"ftp zip", func(t *testing.T) (string, string) {
			p := writeArchive(t, ftpRoot, "a.zip", pkgMembers("1.5.6"))
			return "ftp://u:p@" + ftpAddr + "/a.zip", checksumOf(t, p)
		}},
		{"ftp tar.xz in a subdirectory", func(t *testing.T) (string, string) {
			if err := os.MkdirAll(filepath.Join(ftpRoot, "pub"), 0o755); err != nil {
				t.Fatal(err)
			}
			p := writeArchive(t, filepath.Join(ftpRoot, "pub"), "a.tar.xz", pkgMembers("1.5.6"))
			return "ftp://u:p@" + ftpAddr + "/pub/a.tar.xz", checksumOf(t, p)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, func(o *Options) { o.HTTPClient = webTLS.Client() })
			url, sum := tt.source(t)
			inst, err := s.Fetch(context.Background(), Request{Name: "BasicAgent", Version: "1.5.6", URL: url, Checksum: sum})
			if err != nil {
				t.Fatal(err)
			}
			wantDir := filepath.Join(state, "packages", "BasicAgent", "1.5.6")
			if inst.Dir != wantDir || inst.Version != "1.5.6" || inst.Name != "BasicAgent" {
				t.Errorf("installed %+v, want dir %s version 1.5.6", inst, wantDir)
			}
			if sum != "" && inst.Checksum != sum {
				t.Errorf("checksum %s, want %s", inst.Checksum, sum)
			}
			if strings.Contains(inst.URL, ":p@") {
				t.Errorf("URL %q keeps the password", inst.URL)
			}
			if got := strings.Join(inst.Manifest.Command, " "); got != "bin/agent -c agent.conf" || inst.Manifest.Env["LEVEL"] != "info" {
				t.Errorf("manifest %+v", inst.Manifest)
			}
			assertFile(t, filepath.Join(wantDir, "bin", "agent"), "#!/bin/sh\necho 1.5.6\n", 0o755)
			listed, err := s.List("BasicAgent")
			if err != nil || len(listed) != 1 || listed[0].Checksum != inst.Checksum || listed[0].Dir != inst.Dir {
				t.Errorf("List = %+v, %v; want the installed version", listed, err)
			}
			assertNothingInstalled(t, state, "no-such-agent")
		})
	}
}

func assertFile(t *testing.T, p, body string, mode fs.FileMode) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != body {
		t.Errorf("%s holds %q, want %q", p, b, body)
	}
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode() != mode {
		t.Errorf("%s has mode %s, want %s", p, info.Mode(), mode)
	}
}

func TestFetchAlreadyPresentDownloadsNothing(t *testing.T) {
	web := newPkgServer(t, false)
	url, sum := web.put(t, "a.tar.gz", pkgMembers("1.5.6"))
	s, _ := newTestStore(t, nil)

	requests := []Request{
		{Name: "BasicAgent", Version: "1.5.6", URL: url, Checksum: sum},
		{Name: "BasicAgent", Version: "1.5.6", URL: url, Checksum: sum},
		// A server job names no version: the checksum finds it.
		{Name: "BasicAgent", URL: url, Checksum: strings.ToLower(sum)},
	}
	var dirs []string
	for _, req := range requests {
		inst, err := s.Fetch(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, inst.Dir)
	}
	if got := web.gets.Load(); got != 1 {
		t.Errorf("%d GET requests, want 1", got)
	}
	if dirs[0] != dirs[1] || dirs[1] != dirs[2] {
		t.Errorf("dirs differ: %v", dirs)
	}
}

func TestFetchConcurrentSameRequest(t *testing.T) {
	web := newPkgServer(t, false)
	url, sum := web.put(t, "a.tar.gz", pkgMembers("2.0.0"))
	s, _ := newTestStore(t, nil)

	const n = 8
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			inst, err := s.Fetch(context.Background(), Request{Name: "A", URL: url, Checksum: sum})
			if err == nil {
				dirs[i] = inst.Dir
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || dirs[i] != dirs[0] {
			t.Errorf("call %d: dir %q, err %v; want %q", i, dirs[i], errs[i], dirs[0])
		}
	}
	if got := web.gets.Load(); got != 1 {
		t.Errorf("%d GET requests, want 1", got)
	}
	assertFile(t, filepath.Join(dirs[0], "bin", "agent"), "#!/bin/sh\necho 2.0.0\n", 0o755)
}

func TestFetchVersionMismatch(t *testing.T) {
	web := newPkgServer(t, false)
	url, sum := web.put(t, "a.tar.gz", pkgMembers("1.5.7"))
	s, state := newTestStore(t, nil)

	_, err := s.Fetch(context.Background(), Request{Name: "BasicAgent", Version: "1.5.6", URL: url, Checksum: sum})
	if !IsTerminal(err) || !strings.Contains(err.Error(), "1.5.6") || !strings.Contains(err.Error(), "1.5.7") {
		t.Fatalf("err = %v; want a terminal version mismatch naming 1.5.6 and 1.5.7", err)
	}
	assertNothingInstalled(t, state, "BasicAgent")

	// Without a version the manifest decides; asking again for the wrong
	// one is refused from the store, without downloading.
	inst, err := s.Fetch(context.Background(), Request{Name: "BasicAgent", URL: url, Checksum: sum})
	if err != nil || inst.Version != "1.5.7" {
		t.Fatalf("Fetch without version = %+v, %v; want 1.5.7", inst, err)
	}
	before := web.gets.Load()
	if _, err := s.Fetch(context.Background(), Request{Name: "BasicAgent", Version: "1.5.6", URL: url, Checksum: sum}); !IsTerminal(err) {
		t.Errorf("err = %v; want a terminal version mismatch", err)
	}
	if web.gets.Load() != before {
		t.Errorf("the known mismatch was downloaded again")
	}
}

func TestFetchFileSourceIsCopied(t *testing.T) {
	src := t.TempDir()
	p := writeArchive(t, src, "a.tar.gz", pkgMembers("1.0.0"))
	s, state := newTestStore(t, nil)

	inst, err := s.Fetch(context.Background(), Request{Name: "A", Version: "1.0.0", URL: "file://" + p})
	if err != nil {
		t.Fatal(err)
	}
	// The source changes afterwards (and is then removed): the store's
	// copy must not follow it.
	writeArchive(t, src, "a.tar.gz", pkgMembers("1.0.0", member{name: "bin/agent", body: "changed"}))
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	assertFile(t, filepath.Join(inst.Dir, "bin", "agent"), "#!/bin/sh\necho 1.0.0\n", 0o755)
	err = filepath.WalkDir(state, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink != 0 {
			t.Errorf("symlink in the store: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFetchReplacesVersionWithOtherContent(t *testing.T) {
	web := newPkgServer(t, false)
	s, _ := newTestStore(t, nil)
	url1, sum1 := web.put(t, "one.tar.gz", pkgMembers("1.0.0"))
	url2, sum2 := web.put(t, "two.tar.gz", pkgMembers("1.0.0", member{name: "extra.conf", body: "rebuilt"}))

	first, err := s.Fetch(context.Background(), Request{Name: "A", Version: "1.0.0", URL: url1, Checksum: sum1})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Fetch(context.Background(), Request{Name: "A", Version: "1.0.0", URL: url2, Checksum: sum2})
	if err != nil {
		t.Fatal(err)
	}
	if second.Dir != first.Dir || second.Checksum != sum2 {
		t.Errorf("second install %+v; want dir %s with checksum %s", second, first.Dir, sum2)
	}
	assertFile(t, filepath.Join(second.Dir, "extra.conf"), "rebuilt", 0o644)
	if list, _ := s.List("A"); len(list) != 1 || list[0].Checksum != sum2 {
		t.Errorf("List = %+v; want one version with the new checksum", list)
	}
}

// A version a desired doc may name ("+build", "~rc") is installed, listed
// and found again: the store uses the same version rule as desired docs.
func TestFetchVersionWithBuildSuffix(t *testing.T) {
	web := newPkgServer(t, false)
	url, sum := web.put(t, "a.tar.gz", pkgMembers("1.5.6+b1"))
	s, _ := newTestStore(t, nil)
	for _, req := range []Request{
		{Name: "BasicAgent", Version: "1.5.6+b1", URL: url, Checksum: sum},
		{Name: "BasicAgent", URL: url, Checksum: sum},
	} {
		inst, err := s.Fetch(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if inst.Version != "1.5.6+b1" {
			t.Fatalf("version %q", inst.Version)
		}
	}
	if got := web.gets.Load(); got != 1 {
		t.Errorf("%d GET requests, want 1 (the installed version not found again)", got)
	}
	list, err := s.List("BasicAgent")
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v; want the one version", list, err)
	}
}
