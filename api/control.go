package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Controller is what the daemon offers on its control socket. Called from
// the socket's HTTP handlers, concurrently.
type Controller interface {
	Status() StatusDoc
	Restart(name string) error
}

// ErrNoDaemon means nothing answered on the control socket.
var ErrNoDaemon = errors.New("no bootagent daemon is answering")

// ListenControl opens the unix control socket at path, readable and
// writable by root only. A stale socket left by a crashed daemon is
// replaced; one that still answers means another daemon owns it.
//
// The socket is never reachable with a looser mode, not even briefly:
// bind creates it with the process umask (0755 and the like, which lets
// anyone connect), so it is bound inside a fresh 0700 directory next to
// path, chmod'ed to 0600 there, and only then renamed into place. The
// other way, setting umask around bind, changes a process-wide setting
// that every goroutine creating files at that moment would inherit
// (package files unpacked 0700, say, that an agent running as another
// user could then not execute); no lock of ours can stop that.
func ListenControl(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("control socket %s: another bootagent daemon is answering on it", path)
	}
	private, err := os.MkdirTemp(dir, ".s") // short: a socket path is at most 107 bytes
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "s")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false) // it will not be at tmp: controlListener removes path
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	// rename replaces a stale socket atomically: there is no moment
	// without one once a daemon has run, and none with a loose mode.
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	return &controlListener{UnixListener: ul, path: path}, nil
}

// controlListener removes the socket from where it was renamed to, on
// Close.
type controlListener struct {
	*net.UnixListener
	path string
}

func (l *controlListener) Close() error {
	err := l.UnixListener.Close()
	if rmErr := os.Remove(l.path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) && err == nil {
		err = rmErr
	}
	return err
}

// ControlHandler serves the control API: GET /v1/status, POST
// /v1/restart?name=NAME, POST /v1/shutdown (control_shutdown.go).
func ControlHandler(c Controller) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Status())
	})
	mux.HandleFunc("POST /v1/restart", func(w http.ResponseWriter, r *http.Request) {
		if err := c.Restart(r.URL.Query().Get("name")); err != nil {
			writeJSON(w, http.StatusConflict, controlError{Error: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, controlError{})
	})
	handleShutdown(mux, c)
	handleSelfUpgrade(mux, c)
	return mux
}

type controlError struct {
	Error string `json:"error,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client sees a truncated body; nothing else to do
}

// ControlClient talks to a daemon's control socket.
type ControlClient struct {
	Socket string
	http   *http.Client
}

// NewControlClient returns a client for the socket at path.
func NewControlClient(path string) *ControlClient {
	return &ControlClient{Socket: path, http: &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}},
	}}
}

// Status fetches the status document.
func (c *ControlClient) Status(ctx context.Context) (StatusDoc, error) {
	var doc StatusDoc
	err := c.do(ctx, http.MethodGet, "/v1/status", &doc)
	return doc, err
}

// Restart asks the daemon to restart name.
func (c *ControlClient) Restart(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPost, "/v1/restart?name="+url.QueryEscape(name), nil)
}

func (c *ControlClient) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://bootagent"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w on %s (is `bootagent run` running with this config?): %v", ErrNoDaemon, c.Socket, unwrapDial(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("control socket %s: %w", c.Socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e controlError
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return errors.New(e.Error)
		}
		return fmt.Errorf("control socket %s: %s", c.Socket, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("control socket %s: bad answer: %w", c.Socket, err)
		}
	}
	return nil
}

func unwrapDial(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		msg := op.Err.Error()
		return errors.New(strings.TrimPrefix(msg, "dial unix "+op.Addr.String()+": "))
	}
	return err
}
