package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"

	getter "github.com/hashicorp/go-getter/v2"
	"github.com/jlaffaye/ftp"
)

// FTPGetter fetches single files over ftp:// for go-getter, which has no
// FTP getter of its own. Credentials come from the URL
// (ftp://user:pass@host/path); without them it logs in as anonymous.
//
// go-getter calls it from any goroutine; it holds no state between calls.
// The context bounds the whole transfer: when it ends, every connection the
// transfer opened is closed, which unblocks any read.
type FTPGetter struct{}

var _ getter.Getter = (*FTPGetter)(nil)

// Mode is always ModeFile: a package is one archive.
func (g *FTPGetter) Mode(context.Context, *url.URL) (getter.Mode, error) {
	return getter.ModeFile, nil
}

// Get would fetch a directory, which a package never is.
func (g *FTPGetter) Get(context.Context, *getter.Request) error {
	return errors.New("ftp: directories are not supported, only single archives")
}

// Detect claims ftp:// URLs and the forced form "ftp::…".
func (g *FTPGetter) Detect(req *getter.Request) (bool, error) {
	if req.Forced != "" {
		return req.Forced == "ftp", nil
	}
	u, err := url.Parse(req.Src)
	return err == nil && strings.EqualFold(u.Scheme, "ftp"), nil
}

// GetFile retrieves the file at req.URL() into req.Dst.
func (g *FTPGetter) GetFile(ctx context.Context, req *getter.Request) error {
	u := req.URL()
	conns := &connSet{}
	stop := context.AfterFunc(ctx, conns.closeAll)
	defer stop()

	c, err := ftp.Dial(ftpAddr(u), ftp.DialWithDialFunc(conns.dialer(ctx)))
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("ftp: connect %s: %w", u.Host, err))
	}
	defer c.Quit()

	user, pass := "anonymous", "anonymous@"
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	if err := c.Login(user, pass); err != nil {
		return ctxErr(ctx, fmt.Errorf("ftp: login as %s: %w", user, err))
	}
	return ctxErr(ctx, retrieve(ctx, c, req, ftpPath(u)))
}

func retrieve(ctx context.Context, c *ftp.ServerConn, req *getter.Request, p string) error {
	size, err := c.FileSize(p) // for progress and a truncation check; not every server has SIZE
	if err != nil {
		size = -1
	}
	resp, err := c.Retr(p)
	if err != nil {
		return fmt.Errorf("ftp: retrieve %s: %w", p, err)
	}
	var body io.ReadCloser = resp
	if req.ProgressListener != nil {
		body = req.ProgressListener.TrackProgress(p, 0, size, resp)
	}
	defer body.Close()

	f, err := os.OpenFile(req.Dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, req.Mode(0o644))
	if err != nil {
		return err
	}
	n, err := getter.Copy(ctx, f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ftp: retrieve %s: %w", p, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("ftp: retrieve %s: got %d bytes of %d", p, n, size)
	}
	// Closing the data connection reads the server's final status (226):
	// only then is the transfer known to be complete.
	if err := body.Close(); err != nil {
		return fmt.Errorf("ftp: retrieve %s: %w", p, err)
	}
	return nil
}

// ftpPath follows RFC 1738: the URL path is relative to the login
// directory, so the leading slash is dropped.
func ftpPath(u *url.URL) string {
	return strings.TrimPrefix(u.Path, "/")
}

func ftpAddr(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "21")
}

// ctxErr prefers the context's error: a read failing because the context
// closed the connection is a timeout or a cancellation, not a network fault.
func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// connSet tracks the control and data connections of one transfer.
type connSet struct {
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func (s *connSet) dialer(ctx context.Context) func(network, addr string) (net.Conn, error) {
	return func(network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			c.Close()
			return nil, ctx.Err()
		}
		s.conns = append(s.conns, c)
		return c, nil
	}
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, c := range s.conns {
		c.Close()
	}
}
