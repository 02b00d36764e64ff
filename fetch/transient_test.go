package fetch

import (
	"context"
	"net"
	"path/filepath"
	"testing"
)

// Failures of the network or of a source that may yet appear are worth
// retrying: none of them is terminal, and none leaves anything behind.
func TestFetchTransientFailures(t *testing.T) {
	const sum = "SHA256:4a34b8d7e2c1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5"
	web := newPkgServer(t, false)
	ftpRoot := t.TempDir()
	writeArchive(t, ftpRoot, "a.zip", pkgMembers("1.0.0"))
	ftpAddr := startFTP(t, ftpRoot)

	tests := []struct {
		name     string
		url      string
		checksum string
	}{
		{name: "http 404", url: web.URL + "/missing.tar.gz", checksum: sum},
		{name: "connection refused", url: "http://" + closedPort(t) + "/a.tar.gz", checksum: sum},
		{name: "ftp file missing", url: "ftp://u:p@" + ftpAddr + "/missing.zip", checksum: sum},
		{name: "ftp wrong password", url: "ftp://u:wrong@" + ftpAddr + "/a.zip", checksum: sum},
		{name: "local file missing", url: filepath.Join(t.TempDir(), "missing.tar.gz")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			_, err := s.Fetch(context.Background(), Request{Name: "A", URL: tt.url, Checksum: tt.checksum})
			if err == nil || IsTerminal(err) {
				t.Fatalf("err = %v, want a non-terminal error", err)
			}
			t.Log(err)
			assertNothingInstalled(t, state, "A")
		})
	}
}

// closedPort is an address on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestFetchRefusesUnsupportedSources(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{name: "empty", url: ""},
		{name: "relative path", url: "pkgs/a.tar.gz"},
		{name: "git", url: "git::https://example.invalid/a.git"},
		{name: "s3", url: "s3://bucket/a.tar.gz"},
		{name: "file URL with a host", url: "file://host/a.tar.gz"},
		{name: "no archive type", url: "https://example.invalid/a.bin"},
		{name: "unknown archive query", url: "https://example.invalid/a?archive=rar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, func(o *Options) { o.RequireChecksum = false })
			_, err := s.Fetch(context.Background(), Request{Name: "A", URL: tt.url})
			if !IsTerminal(err) {
				t.Fatalf("err = %v, want a terminal ErrUnsupportedSource", err)
			}
			t.Log(err)
			assertNothingInstalled(t, state, "A")
		})
	}
}
