package fetch

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestNewStoreRemovesUnfinishedWork(t *testing.T) {
	state := t.TempDir()
	// What a crash mid-unpack leaves: a work directory with a partial
	// archive and a partial package, and a version moved aside.
	for _, p := range []string{"tmp/A-123/pkg/bin/agent", "tmp/A-123/archive.tar.gz", "tmp/removed-9/1.0.0/agent.yaml"} {
		if err := os.MkdirAll(filepath.Join(state, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(state, p), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewStore(state, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	assertNothingInstalled(t, state, "A")
	if list, err := s.List("A"); err != nil || len(list) != 0 {
		t.Errorf("List = %v, %v; want nothing", list, err)
	}
}

func TestListIgnoresDirectoriesFetchDidNotFinish(t *testing.T) {
	s, state := newTestStore(t, nil)
	// A version directory without the marker Fetch writes before its
	// rename: not one of ours, never used.
	stray := filepath.Join(state, "packages", "A", "1.0.0")
	if err := os.MkdirAll(stray, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stray, "agent.yaml"), []byte("version: 1.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if list, err := s.List("A"); err != nil || len(list) != 0 {
		t.Fatalf("List = %v, %v; want nothing", list, err)
	}
	p := writeArchive(t, t.TempDir(), "a.tar.gz", pkgMembers("1.0.0"))
	inst, err := s.Fetch(context.Background(), Request{Name: "A", Version: "1.0.0", URL: p})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List("A"); len(list) != 1 || list[0].Dir != stray || inst.Dir != stray {
		t.Errorf("List = %+v; want the fetched version in %s", list, stray)
	}
}

func TestGCAndRemove(t *testing.T) {
	s, state := newTestStore(t, nil)
	src := t.TempDir()
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		p := writeArchive(t, src, v+".tar.gz", pkgMembers(v))
		if _, err := s.Fetch(context.Background(), Request{Name: "A", Version: v, URL: p}); err != nil {
			t.Fatal(err)
		}
	}
	p := writeArchive(t, src, "b.tar.gz", pkgMembers("1.0.0"))
	if _, err := s.Fetch(context.Background(), Request{Name: "B", URL: p}); err != nil {
		t.Fatal(err)
	}

	if err := s.GC("A", "1.1.0", "9.9.9"); err != nil {
		t.Fatal(err)
	}
	assertVersions(t, s, "A", "1.1.0")
	assertVersions(t, s, "B", "1.0.0")

	if err := s.GC("A"); err != nil { // nothing kept: the agent's directory goes too
		t.Fatal(err)
	}
	assertAbsent(t, filepath.Join(state, "packages", "A"))

	if err := s.Remove("B"); err != nil {
		t.Fatal(err)
	}
	assertAbsent(t, filepath.Join(state, "packages", "B"))
	if err := s.Remove("B"); err != nil {
		t.Errorf("removing a removed agent: %v", err)
	}
	if err := s.GC("never-installed", "1.0.0"); err != nil {
		t.Errorf("GC of an unknown agent: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(state, "packages")); len(entries) > 0 {
		t.Errorf("packages still holds %v", entries)
	}
	assertNothingInstalled(t, state, "A")
}

func assertVersions(t *testing.T, s *Store, name string, want ...string) {
	t.Helper()
	list, err := s.List(name)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, inst := range list {
		got = append(got, inst.Version)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s versions = %v, want %v", name, got, want)
	}
}

func assertAbsent(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still exists (%v)", p, err)
	}
}
