package fetch

import (
	"io"
	"sync"

	getter "github.com/hashicorp/go-getter/v2"
)

// cappedTracker bounds one download to limits.maxDownload. Every getter of
// the Store hands its body to TrackProgress before copying it (http(s)
// and ftp with the size they were told, local files with their size), so
// this is the one place where a body can be refused before it is read and
// counted while it is. go-getter reports a getter's error as text, so the
// refusal is also kept here for download to return as it is.
type cappedTracker struct {
	lim  limits
	next getter.ProgressTracker

	mu  sync.Mutex
	err error
}

var _ getter.ProgressTracker = (*cappedTracker)(nil)

// TrackProgress refuses a body announced too large without reading it, and
// otherwise counts what is read; total <= 0 means the size is unknown.
func (c *cappedTracker) TrackProgress(src string, current, total int64, stream io.ReadCloser) io.ReadCloser {
	if total > c.lim.maxDownload {
		return &refusedBody{ReadCloser: stream, err: c.refuse(c.lim.downloadExceeded("the source announces %d bytes", total))}
	}
	return c.next.TrackProgress(src, current, total, &cappedBody{ReadCloser: stream, c: c, left: c.lim.maxDownload - current})
}

func (c *cappedTracker) refuse(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
	return c.err
}

// refused is the limit a download ran into, if any.
func (c *cappedTracker) refused() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// refusedBody fails its first read: nothing of the body is read.
type refusedBody struct {
	io.ReadCloser
	err error
}

func (r *refusedBody) Read([]byte) (int, error) { return 0, r.err }

// cappedBody fails the read that would go past the limit.
type cappedBody struct {
	io.ReadCloser
	c    *cappedTracker
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.c.refused()
	}
	// Ask for one byte more than is left: getting it proves the excess.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return 0, b.c.refuse(b.c.lim.downloadExceeded("more than %d bytes", b.c.lim.maxDownload))
	}
	return n, err
}
