package fetch

import (
	"context"
	"errors"
	"github.com/bootagent/bootagent/internal/testdeadline"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ftpserver "goftp.io/server/v2"
	ftpfile "goftp.io/server/v2/driver/file"
)

// pkgServer serves the files of a directory over HTTP on 127.0.0.1 and
// counts the GET requests, to prove when nothing was downloaded.
type pkgServer struct {
	*httptest.Server
	dir  string
	gets atomic.Int32
}

func newPkgServer(t *testing.T, useTLS bool) *pkgServer {
	t.Helper()
	ps := &pkgServer{dir: t.TempDir()}
	files := http.FileServer(http.Dir(ps.dir))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			ps.gets.Add(1)
		}
		files.ServeHTTP(w, r)
	})
	if useTLS {
		ps.Server = httptest.NewTLSServer(h)
	} else {
		ps.Server = httptest.NewServer(h)
	}
	t.Cleanup(ps.Close)
	return ps
}

// put writes an archive into the served directory and returns its URL.
func (ps *pkgServer) put(t *testing.T, file string, members []member) (url, checksum string) {
	t.Helper()
	p := writeArchive(t, ps.dir, file, members)
	return ps.URL + "/" + file, checksumOf(t, p)
}

// startFTP serves root over FTP on 127.0.0.1 as user "u", password "p",
// and returns host:port.
func startFTP(t *testing.T, root string) string {
	t.Helper()
	driver, err := ftpfile.NewDriver(root)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ftpserver.NewServer(&ftpserver.Options{
		Driver:   driver,
		Auth:     &ftpserver.SimpleAuth{Name: "u", Password: "p"},
		Perm:     ftpserver.NewSimplePerm("root", "root"),
		Hostname: "127.0.0.1",
		Logger:   &ftpserver.DiscardLogger{},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; !errors.Is(err, ftpserver.ErrServerClosed) {
			t.Errorf("ftp server: %v", err)
		}
	})
	return l.Addr().String()
}

// silentListener accepts connections and never says a word: the server
// that hangs, for timeout tests.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	})
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}

// newTestStore opens a store in a fresh state directory, logging to the
// test. edit adjusts the options (nil: defaults with checksums required).
func newTestStore(t *testing.T, edit func(*Options)) (*Store, string) {
	t.Helper()
	state := t.TempDir()
	opts := DefaultOptions()
	opts.Logger = testLogger(t)
	if edit != nil {
		edit(&opts)
	}
	s, err := NewStore(state, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, state
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// assertNothingInstalled checks that a failed fetch left no trace: no
// directory for the agent and nothing in tmp.
func assertNothingInstalled(t *testing.T, state, name string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(state, "packages", name)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("packages/%s exists after a failed fetch (stat: %v)", name, err)
	}
	left, err := os.ReadDir(filepath.Join(state, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("tmp holds %d entries after fetch, want none", len(left))
	}
}

// waitFor polls cond until it holds, failing after a deadline that
// BOOTAGENT_TEST_SCALE multiplies on slow machines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testdeadline.Scale(10*time.Second))
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}
