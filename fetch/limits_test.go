package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// zeros is the body of a bomb: it compresses a thousandfold.
func zeros(n int) string { return string(make([]byte, n)) }

// noise is n bytes that do not compress, the same in every run.
func noise(n int) string {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// manyEntries is a valid package of n entries in all.
func manyEntries(n int) []member {
	m := pkgMembers("1.0.0")
	for i := len(m); i < n; i++ {
		m = append(m, member{name: fmt.Sprintf("f%d", i), body: "x"})
	}
	return m
}

func TestFetchRefusesPackagesOverTheLimits(t *testing.T) {
	web := newPkgServer(t, false)
	ftpRoot := t.TempDir()
	ftpAddr := startFTP(t, ftpRoot)
	small := func(o *Options) { o.MaxDownload, o.MaxUnpacked, o.MaxEntries = 64<<10, 1<<20, 10 }

	tests := []struct {
		name string
		// source builds the package and returns its URL and checksum.
		source func(t *testing.T, dir string) (url, checksum string)
		want   string // the whole message after "fetch A: package URL: "; {N} is any number
	}{
		{
			name: "gzip bomb in a tar.gz",
			source: func(t *testing.T, dir string) (string, string) {
				return web.put(t, "bomb.tar.gz", pkgMembers("1.0.0", member{name: "zeros", body: zeros(4 << 20)}))
			},
			want: `unpacked size exceeds package_max_unpacked (1M): more than 1048576 bytes by entry "zeros"`,
		},
		{
			name: "bomb in a tgz",
			source: func(t *testing.T, dir string) (string, string) {
				p := writeArchive(t, dir, "bomb.tgz", pkgMembers("1.0.0", member{name: "zeros", body: zeros(4 << 20)}))
				return "file://" + p, checksumOf(t, p)
			},
			want: `unpacked size exceeds package_max_unpacked (1M): more than 1048576 bytes by entry "zeros"`,
		},
		{
			name: "bomb in a tar.xz",
			source: func(t *testing.T, dir string) (string, string) {
				p := writeArchive(t, dir, "bomb.tar.xz", pkgMembers("1.0.0", member{name: "zeros", body: zeros(4 << 20)}))
				return p, ""
			},
			want: `unpacked size exceeds package_max_unpacked (1M): more than 1048576 bytes by entry "zeros"`,
		},
		{
			name: "bomb in a zip, over several entries",
			source: func(t *testing.T, dir string) (string, string) {
				return web.put(t, "bomb.zip", pkgMembers("1.0.0",
					member{name: "z1", body: zeros(600 << 10)}, member{name: "z2", body: zeros(600 << 10)}))
			},
			want: `unpacked size exceeds package_max_unpacked (1M): more than 1048576 bytes by entry "z2"`,
		},
		{
			name: "zip with more entries than the limit",
			source: func(t *testing.T, dir string) (string, string) {
				return web.put(t, "many.zip", manyEntries(11))
			},
			want: "entry count exceeds package_max_entries (10): the archive lists 11 entries",
		},
		{
			name: "tar.gz with more entries than the limit",
			source: func(t *testing.T, dir string) (string, string) {
				return web.put(t, "many.tar.gz", manyEntries(11))
			},
			want: "entry count exceeds package_max_entries (10): more than 10 entries",
		},
		{
			name: "http Content-Length over the limit is refused before reading",
			source: func(t *testing.T, dir string) (string, string) {
				return web.put(t, "big.tar.gz", pkgMembers("1.0.0", member{name: "noise", body: noise(100 << 10)}))
			},
			want: "download exceeds package_max_download (64K): the source announces {N} bytes",
		},
		{
			name: "http without Content-Length is counted",
			source: func(t *testing.T, dir string) (string, string) {
				return endlessHTTP(t, true) + "/a.tar.gz", ""
			},
			want: "download exceeds package_max_download (64K): more than 65536 bytes",
		},
		{
			name: "http body until close, no length at all",
			source: func(t *testing.T, dir string) (string, string) {
				return endlessHTTP(t, false) + "/a.tar.gz", ""
			},
			want: "download exceeds package_max_download (64K): more than 65536 bytes",
		},
		{
			name: "ftp file over the limit",
			source: func(t *testing.T, dir string) (string, string) {
				p := writeArchive(t, ftpRoot, "big.tar.gz", pkgMembers("1.0.0", member{name: "noise", body: noise(100 << 10)}))
				return "ftp://u:p@" + ftpAddr + "/big.tar.gz", checksumOf(t, p)
			},
			want: "download exceeds package_max_download (64K): the source announces {N} bytes",
		},
		{
			name: "huge sparse local file with a checksum",
			source: func(t *testing.T, dir string) (string, string) {
				return sparseFile(t, dir, 1<<30), "SHA256:" + strings.Repeat("0", 64)
			},
			want: "download exceeds package_max_download (64K): the source announces 1073741824 bytes",
		},
		{
			name: "huge sparse local file without a checksum",
			source: func(t *testing.T, dir string) (string, string) {
				return "file://" + sparseFile(t, dir, 1<<30), ""
			},
			want: "download exceeds package_max_download (64K): the file holds 1073741824 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, func(o *Options) { small(o); o.RequireChecksum = false })
			url, sum := tt.source(t, t.TempDir())
			_, err := s.Fetch(context.Background(), Request{Name: "A", URL: url, Checksum: sum})
			assertLimitError(t, err, url, tt.want)
			assertNothingInstalled(t, state, "A")
		})
	}
}

// assertLimitError checks a refusal's class and its whole message, which
// names the package (password redacted) and the config key with its value.
func assertLimitError(t *testing.T, err error, url, want string) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrTooLarge) || !IsTerminal(err) {
		t.Fatalf("err = %v, want a terminal *LimitError", err)
	}
	shown := strings.TrimPrefix(strings.Replace(url, "u:p@", "u:xxxxx@", 1), "file://")
	wantMsg := "fetch A: package " + shown + ": " + want
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(wantMsg), `\{N\}`, "[0-9]+") + "$"
	if got := err.Error(); !regexp.MustCompile(re).MatchString(got) {
		t.Errorf("err =\n  %s\nwant\n  %s", got, wantMsg)
	}
}

func TestFetchRefusesLocalSourcesThatAreNotFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pkg.tar.gz")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.tgz")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		url      string
		checksum string
		want     string
	}{
		{name: "file:///dev/zero", url: "file:///dev/zero?archive=tar.gz", want: "/dev/zero is not a regular file (a character device)"},
		{name: "file:///dev/zero with a checksum", url: "file:///dev/zero?archive=tgz", checksum: "SHA256:" + strings.Repeat("0", 64), want: "/dev/zero is not a regular file (a character device)"},
		{name: "a path linked to /dev/zero", url: zero, want: zero + " is not a regular file (a character device)"},
		{name: "a path linked to /dev/zero, with a checksum", url: zero, checksum: "SHA256:" + strings.Repeat("0", 64), want: zero + " is not a regular file (a character device)"},
		{name: "a FIFO nobody writes", url: fifo, want: fifo + " is not a regular file (a FIFO)"},
		{name: "a FIFO with a checksum", url: "file://" + fifo, checksum: "SHA256:" + strings.Repeat("0", 64), want: fifo + " is not a regular file (a FIFO)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, state := newTestStore(t, nil)
			_, err := s.Fetch(context.Background(), Request{Name: "A", URL: tt.url, Checksum: tt.checksum})
			if !errors.Is(err, ErrUnsupportedSource) || !IsTerminal(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want terminal %v saying %q", err, ErrUnsupportedSource, tt.want)
			}
			assertNothingInstalled(t, state, "A")
		})
	}
}

// endlessHTTP serves zeros for ever on 127.0.0.1 until the client leaves:
// chunked, or (chunked false) as an HTTP/1.0-style body that ends when the
// connection closes. Neither says how long it is.
func endlessHTTP(t *testing.T, chunked bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var out io.Writer = w
		if !chunked {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
			out = buf
		}
		chunk := make([]byte, 32<<10)
		for i := 0; i < 1<<12; i++ { // 128 MiB at most, should the cap fail
			if _, err := out.Write(chunk); err != nil {
				return
			}
			if f, ok := out.(interface{ Flush() error }); ok {
				if f.Flush() != nil {
					return
				}
			} else {
				http.NewResponseController(w).Flush()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// sparseFile makes a file of size bytes that takes no disk space.
func sparseFile(t *testing.T, dir string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, "huge.tar.gz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	closeOrFail(t, f)
	return p
}

// TestFetchDiskFullDuringUnpack fills a small tmpfs holding state_dir
// with a package within the limits: the error says the disk is full and
// where, and the work directory is gone from tmp.
func TestFetchDiskFullDuringUnpack(t *testing.T) {
	state := t.TempDir()
	if err := syscall.Mount("tmpfs", state, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a small tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(state, 0); err != nil {
			t.Errorf("unmount %s: %v", state, err)
		}
	})
	p := writeArchive(t, t.TempDir(), "big.tar.gz", pkgMembers("1.0.0", member{name: "zeros", body: zeros(4 << 20)}))
	s, err := NewStore(state, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Fetch(context.Background(), Request{Name: "A", URL: p})
	if !errors.Is(err, syscall.ENOSPC) || IsTerminal(err) {
		t.Fatalf("err = %v, want a retryable ENOSPC", err)
	}
	if want := fmt.Sprintf("(the file system of %s is full)", filepath.Join(state, "tmp")); !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, does not say %q", err, want)
	}
	assertNothingInstalled(t, state, "A")
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		name string
		n    int64
		want string
	}{
		{name: "gibibytes", n: 2 << 30, want: "2G"},
		{name: "a fraction of a unit falls to the next", n: 1536 << 20, want: "1536M"},
		{name: "kibibytes", n: 64 << 10, want: "64K"},
		{name: "tebibytes", n: 3 << 40, want: "3T"},
		{name: "plain bytes", n: 1000, want: "1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatSize(tt.n); got != tt.want {
				t.Errorf("formatSize(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
