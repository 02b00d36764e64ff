package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"syscall"

	getter "github.com/hashicorp/go-getter/v2"
)

// localGetter is go-getter's file getter with its copy replaced: the
// source must be a regular file, and the copy goes through the request's
// ProgressListener like an http body, which is where download counts it.
// go-getter's own copy would read /dev/zero or a FIFO forever.
type localGetter struct {
	getter.FileGetter // Mode, Get (directories, never used) and Detect
}

var _ getter.Getter = (*localGetter)(nil)

// GetFile copies the file at req.URL() to req.Dst. The store always asks
// for a copy (Request.Copy), never a symlink.
func (g *localGetter) GetFile(ctx context.Context, req *getter.Request) error {
	src, size, err := openLocal(req.URL().Path)
	if err != nil {
		return err
	}
	var body io.ReadCloser = src
	if req.ProgressListener != nil {
		body = req.ProgressListener.TrackProgress(src.Name(), 0, size, src)
	}
	defer body.Close()
	dst, err := os.OpenFile(req.Dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, req.Mode(0o644))
	if err != nil {
		return err
	}
	_, err = getter.Copy(ctx, dst, body)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return err
}

// openLocal opens a local package source and returns its size, refusing
// anything but a regular file. O_NONBLOCK keeps the open of a FIFO from
// waiting for a writer; the check is on the opened file, so a swap after
// it cannot sneak a device in.
func openLocal(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is not a regular file (%s)", ErrUnsupportedSource, path, fileType(fi.Mode()))
	}
	return f, fi.Size(), nil
}

func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	case m&os.ModeSocket != 0:
		return "a socket"
	default:
		return m.Type().String()
	}
}

// localDigest hashes a local source the way it will be copied: a regular
// file, and no more than the download limit of it.
func localDigest(path string, lim limits) (string, error) {
	f, size, err := openLocal(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if size > lim.maxDownload {
		return "", lim.downloadExceeded("the file holds %d bytes", size)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, lim.maxDownload+1))
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	if n > lim.maxDownload { // it grew since the Stat
		return "", lim.downloadExceeded("more than %d bytes", lim.maxDownload)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
