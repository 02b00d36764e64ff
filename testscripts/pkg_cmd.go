package testscripts

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	ftpserver "goftp.io/server/v2"
	ftpfile "goftp.io/server/v2/driver/file"
)

// cmdMkpkg: mkpkg OUT.tar.gz DIR VAR [PREFIX] — packs DIR's files (modes
// kept; chmod scripts first) as a tar.gz with DIR as its root, prints its
// checksum and sets $VAR to it ("SHA256:<hex>"). PREFIX, if given, is put
// before every entry name (e.g. "../" for a hostile archive).
func cmdMkpkg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: mkpkg OUT.tar.gz DIR VAR [PREFIX]")
	}
	prefix := ""
	if len(args) == 4 {
		prefix = args[3]
	}
	out, dir := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(out), 0o755))
	f, err := os.Create(out)
	ts.Check(err)
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	var paths []string
	ts.Check(filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && p != dir {
			paths = append(paths, p)
		}
		return err
	}))
	sort.Strings(paths)
	for _, p := range paths {
		fi, err := os.Stat(p)
		ts.Check(err)
		hdr, err := tar.FileInfoHeader(fi, "")
		ts.Check(err)
		rel, _ := filepath.Rel(dir, p)
		hdr.Name = prefix + filepath.ToSlash(rel)
		if fi.IsDir() {
			hdr.Name += "/"
		}
		ts.Check(tw.WriteHeader(hdr))
		if !fi.IsDir() {
			src, err := os.Open(p)
			ts.Check(err)
			_, err = io.Copy(tw, src)
			src.Close()
			ts.Check(err)
		}
	}
	ts.Check(tw.Close())
	ts.Check(gz.Close())
	ts.Check(f.Close())
	b, err := os.ReadFile(out)
	ts.Check(err)
	sum := sha256.Sum256(b)
	checksum := "SHA256:" + hex.EncodeToString(sum[:])
	fmt.Fprintln(ts.Stdout(), checksum)
	ts.Setenv(args[2], checksum)
}

// cmdExpand: expand SRC DST — copies SRC to DST with $VAR and ${VAR}
// replaced by the script's variables (desired files that need a checksum
// or a server's address).
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: expand SRC DST")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	out := os.Expand(string(b), ts.Getenv)
	dst := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
	// Written aside and renamed: the daemon must never read half a file.
	tmp := filepath.Join(filepath.Dir(dst), ".expand.tmp")
	ts.Check(os.WriteFile(tmp, []byte(out), 0o644))
	ts.Check(os.Rename(tmp, dst))
}

// cmdPkgserve: pkgserve DIR VAR — serves DIR over HTTP on 127.0.0.1 for
// the rest of the script, sets $VAR to its base URL and appends every
// request ("GET /path") to $WORK/pkgserve.log. While DIR/.hold exists, a
// download stops after half the file until .hold is removed (or the client
// goes away): a download in progress, on demand.
func cmdPkgserve(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: pkgserve DIR VAR")
	}
	logPath := filepath.Join(ts.Getenv("WORK"), "pkgserve.log")
	root := ts.MkAbs(args[0])
	files := http.FileServer(http.Dir(root))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s %s\n", r.Method, r.URL.Path)
			f.Close()
		}
		if _, err := os.Stat(filepath.Join(root, ".hold")); err == nil {
			serveHeld(w, r, root)
			return
		}
		files.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	ts.Setenv(args[1], "http://"+ln.Addr().String())
}

// cmdFtpserve: ftpserve DIR VAR — serves DIR over FTP on 127.0.0.1 (user
// u, password p) for the rest of the script; sets $VAR to "ftp://u:p@ADDR".
func cmdFtpserve(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ftpserve DIR VAR")
	}
	driver, err := ftpfile.NewDriver(ts.MkAbs(args[0]))
	ts.Check(err)
	srv, err := ftpserver.NewServer(&ftpserver.Options{
		Driver:   driver,
		Auth:     &ftpserver.SimpleAuth{Name: "u", Password: "p"},
		Perm:     ftpserver.NewSimplePerm("root", "root"),
		Hostname: "127.0.0.1",
		Logger:   &ftpserver.DiscardLogger{},
	})
	ts.Check(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	go srv.Serve(ln)
	ts.Defer(func() { srv.Shutdown() })
	ts.Setenv(args[1], "ftp://u:p@"+ln.Addr().String())
}

// serveHeld sends the first half of the file, then waits until DIR/.hold is
// gone (sending the rest) or the client leaves.
func serveHeld(w http.ResponseWriter, r *http.Request, root string) {
	b, err := os.ReadFile(filepath.Join(root, filepath.Clean("/"+r.URL.Path)))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.Write(b[:len(b)/2])
	w.(http.Flusher).Flush()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
		if _, err := os.Stat(filepath.Join(root, ".hold")); err != nil {
			w.Write(b[len(b)/2:])
			return
		}
	}
}
