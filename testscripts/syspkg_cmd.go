package testscripts

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/bootagent/bootagent/fetch"
	"github.com/bootagent/bootagent/internal/pkgfixture"
	"github.com/rogpeppe/go-internal/testscript"
)

// aptCacheEnv names the directory of debCache.
const aptCacheEnv = "BOOTAGENT_TEST_DEB_CACHE"

// debCache is where Debian packages fetched for the scenarios are kept,
// so a second run needs no network: $BOOTAGENT_TEST_DEB_CACHE, else the
// user cache dir.
func debCache() (string, error) {
	if d := os.Getenv(aptCacheEnv); d != "" {
		return d, os.MkdirAll(d, 0o755)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	d = filepath.Join(d, "bootagent-test-debs")
	return d, os.MkdirAll(d, 0o755)
}

// aptDebAvailable is the condition [aptdeb:PKG]: Debian's own PKG is in
// the cache, fetched now with `apt-get download` if need be. False (the
// script skips) without apt-get, network or such a package in the
// configured sources: the scenario needs a package no one here wrote.
func aptDebAvailable(pkg string) bool {
	cache, err := debCache()
	if err != nil {
		return false
	}
	if cachedDeb(cache, pkg) != "" {
		return true
	}
	cmd := exec.Command("apt-get", "download", pkg)
	cmd.Dir = cache
	if err := cmd.Run(); err != nil {
		return false
	}
	return cachedDeb(cache, pkg) != ""
}

// cmdAptdownload: aptdownload PKG OUT.deb VERSIONVAR — copies Debian's
// own PKG, fetched by the condition [aptdeb:PKG] (use it first, to skip
// without it), to OUT.deb and sets $VERSIONVAR to its version as the
// store names it (and $VERSIONVAR_RE to it quoted for waitfor).
func cmdAptdownload(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: aptdownload PKG OUT.deb VERSIONVAR")
	}
	cache, err := debCache()
	ts.Check(err)
	deb := cachedDeb(cache, args[0])
	if deb == "" {
		ts.Fatalf("no %s_*.deb in %s: guard the script with [!aptdeb:%s] skip", args[0], cache, args[0])
	}
	h, err := fetch.ReadPackageHeader(deb, "deb")
	ts.Check(err)
	b, err := os.ReadFile(deb)
	ts.Check(err)
	out := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(filepath.Dir(out), 0o755))
	ts.Check(os.WriteFile(out, b, 0o644))
	ts.Setenv(args[2], h.Version)
	ts.Setenv(args[2]+"_RE", regexp.QuoteMeta(h.Version)) // Debian versions hold "+"
	ts.Logf("%s: Debian's %s %s", out, h.Name, h.Version)
}

// cachedDeb is the newest PKG_*.deb in dir, "" when none.
func cachedDeb(dir, pkg string) string {
	m, _ := filepath.Glob(filepath.Join(dir, pkg+"_*.deb"))
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1]
}

// cmdMksyspkg: mksyspkg OUT.rpm|OUT.deb NAME VERSION-RELEASE DIR VAR —
// builds an rpm or deb (internal/pkgfixture) whose payload is DIR's files
// at the same paths under / (DIR/opt/a/x becomes /opt/a/x, modes kept),
// and sets $VAR to its checksum.
func cmdMksyspkg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 5 {
		ts.Fatalf("usage: mksyspkg OUT.rpm|OUT.deb NAME VERSION-RELEASE DIR VAR")
	}
	version, release, _ := strings.Cut(args[2], "-")
	dir := ts.MkAbs(args[3])
	spec := pkgfixture.Spec{Name: args[1], Version: version, Release: release}
	ts.Check(filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		f := pkgfixture.File{Path: "/" + filepath.ToSlash(rel), Mode: int64(fi.Mode().Perm()), Dir: fi.IsDir()}
		if !fi.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f.Body = string(b)
		}
		spec.Files = append(spec.Files, f)
		return nil
	}))
	out := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(out), 0o755))
	_, err := pkgfixture.Write(filepath.Dir(out), filepath.Base(out), spec)
	ts.Check(err)
	ts.Setenv(args[4], fileChecksum(ts, out))
}

func fileChecksum(ts *testscript.TestScript, p string) string {
	b, err := os.ReadFile(p)
	ts.Check(err)
	sum := sha256.Sum256(b)
	return "SHA256:" + hex.EncodeToString(sum[:])
}

// cmdFreeport: freeport VAR — sets $VAR to a TCP port free on 127.0.0.1
// now, for an agent that must be told where to listen.
func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := l.Addr().(*net.TCPAddr).Port
	ts.Check(l.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}
