package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// buildPackages writes one tar.gz per pkgVersions entry into dir (agent.yaml
// manifest and run.sh at the root) and returns version → checksum.
func buildPackages(dir string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sums := map[string]string{}
	for _, p := range pkgVersions {
		b, err := packageBytes(p)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", p.version, err)
		}
		if err := os.WriteFile(filepath.Join(dir, pkgFile(p.version)), b, 0o644); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		sums[p.version] = "SHA256:" + hex.EncodeToString(sum[:])
	}
	return sums, nil
}

func pkgFile(version string) string { return "soakpkg-" + version + ".tar.gz" }

func packageBytes(p pkgVersion) ([]byte, error) {
	manifest := fmt.Sprintf("version: %q\ncommand: [%q]\n", p.version, p.command)
	files := []struct {
		name, body string
		mode       int64
	}{
		{"agent.yaml", manifest, 0o644},
		{"run.sh", "#!/bin/sh\n" + p.script + "\n", 0o755},
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.body)), ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// serveDir serves dir over HTTP on 127.0.0.1 and returns its base URL and
// a function that closes the server.
func serveDir(dir string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
