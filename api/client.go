package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bootagent/bootagent/syntax"
)

// DefaultTimeout bounds one request to one server when ClientOptions does
// not say otherwise.
const DefaultTimeout = 10 * time.Second

// ClientOptions tune a Client; the zero value is usable.
type ClientOptions struct {
	Timeout    time.Duration // per request to one server, body included; default DefaultTimeout
	Logger     *slog.Logger  // default slog.Default()
	HTTPClient *http.Client  // optional; requests still close their connection; Trust is then ignored
	Trust      Trust         // how https servers are checked (SPEC §10)
}

// Client is the agent side of the wire protocol (SPEC §7). It talks to the
// configured servers first, then to those added by config jobs, in order:
// within one call (a "round") a server that fails is not asked again and the
// next one is tried; the next call starts again from the first. Every
// request is a short connection with a timeout, so a dead or stalled server
// costs at most Timeout per round.
//
// A Client is safe for concurrent use.
type Client struct {
	timeout time.Duration
	log     *slog.Logger
	hc      *http.Client

	mu         sync.Mutex
	configured []string // from the daemon configuration; never replaced
	extra      []string // from the latest config job's svrlist
	tlsOnly    bool     // a configured server is https, or require_tls: svrlist gets https only
	agentsn    string   // sent as X-Agentsn on every request (extension)
	credential string   // the host's credential (SPEC §10), sent as Authorization: Bearer
	enrollTok  string   // enrollment token, put in register bodies to https servers only
}

// SetCredential sets the host credential sent as "Authorization: Bearer"
// with every request ("" sends none).
func (c *Client) SetCredential(cred string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.credential = cred
}

// SetEnrollToken sets the enrollment token Register sends, to https
// servers only: their certificate has passed the trust check before the
// body leaves, so the token never crosses a plain or unchecked connection.
func (c *Client) SetEnrollToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.enrollTok = tok
}

// SetAgentSN sets the identity sent with every request in the X-Agentsn
// header: result and event posts carry no agentsn in their bodies (SPEC
// §7), and a server needs it to file them under the right host.
func (c *Client) SetAgentSN(sn string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.agentsn = sn
}

// NewClient makes a client for servers (see syntax.ParseServer for the forms).
// Invalid addresses are logged and left out: the daemon's configuration
// validation has already rejected them, and a client must not be unusable
// because of one typo.
func NewClient(servers []string, opts ClientOptions) *Client {
	c := &Client{timeout: opts.Timeout, log: opts.Logger, hc: opts.HTTPClient}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.hc == nil {
		// Short connections (SPEC §7): no idle pool holding sockets to the
		// server between reports that are minutes apart.
		// TLS session resumption (the session cache) keeps a short
		// connection over https nearly as cheap as over http.
		c.hc = &http.Client{Transport: &http.Transport{
			Proxy:             http.ProxyFromEnvironment,
			DisableKeepAlives: true,
			TLSClientConfig:   opts.Trust.TLSConfig(),
		}}
	}
	c.tlsOnly = opts.Trust.RequireTLS
	seen := map[string]bool{}
	for _, s := range servers {
		u, err := syntax.ParseServer(s)
		if err != nil {
			c.log.Error("control server address ignored", "err", err)
			continue
		}
		if opts.Trust.RequireTLS && !strings.HasPrefix(u, "https://") {
			c.log.Error("control server address ignored: plain http but require_tls is true", "server", u)
			continue
		}
		if strings.HasPrefix(u, "https://") {
			c.tlsOnly = true
		}
		if !seen[u] {
			seen[u] = true
			c.configured = append(c.configured, u)
		}
	}
	return c
}

// SetExtra sets the servers added by a config job's svrlist, replacing the
// previous svrlist but never the configured list. Servers already configured
// are not repeated. On error nothing changes. When a configured server is
// https (or require_tls), the entries get https and the same trust, never
// less: a bare host:port is https, an http:// entry fails the whole list.
func (c *Client) SetExtra(svrlist string) error {
	parse := syntax.ParseSvrlist
	if c.tlsOnly {
		parse = syntax.ParseSvrlistTLS
	}
	list, err := parse(svrlist)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.extra = c.extra[:0:0]
	for _, u := range list {
		if !slices.Contains(c.configured, u) {
			c.extra = append(c.extra, u)
		}
	}
	return nil
}

// Servers returns the order in which a round tries the servers.
func (c *Client) Servers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.configured)+len(c.extra))
	return append(append(out, c.configured...), c.extra...)
}

// round POSTs body to path on each server in turn until accept takes an
// answer. accept gets the answer's body and returns an error when it is not
// a good answer, which moves on to the next server. The error of a failed
// round joins every server's error, each naming server and path.
func (c *Client) round(ctx context.Context, path string, body []byte, accept func(answer []byte) error) error {
	if len(body) > MaxBody {
		return fmt.Errorf("POST %s: %d bytes: %w", path, len(body), ErrRequestTooLarge)
	}
	return c.roundFor(ctx, path, func(string) []byte { return body }, accept)
}

// roundFor is round with a body made for each server (bodyFor(srv)).
func (c *Client) roundFor(ctx context.Context, path string, bodyFor func(srv string) []byte, accept func(answer []byte) error) error {
	servers := c.Servers()
	if len(servers) == 0 {
		return fmt.Errorf("POST %s: %w", path, ErrNoServers)
	}
	var errs []error
	for _, srv := range servers {
		answer, err := c.post(ctx, srv, path, bodyFor(srv))
		if err == nil {
			if err = accept(answer); err != nil {
				err = fmt.Errorf("POST %s%s: bad answer: %w", srv, path, err)
			}
		}
		if err == nil {
			return nil
		}
		c.log.Debug("control server failed", "server", srv, "path", path, "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			break // the caller gave up: asking the next server would outlive it
		}
	}
	return fmt.Errorf("POST %s: no server accepted it (%d tried): %w", path, len(errs), errors.Join(errs...))
}

// post makes one request to one server and returns a 2xx answer's body.
func (c *Client) post(ctx context.Context, srv, path string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("POST %s%s: %w", srv, path, err)
	}
	req.Close = true // short connection even with a caller's HTTPClient
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", AgentVersion())
	c.mu.Lock()
	if c.agentsn != "" {
		req.Header.Set("X-Agentsn", c.agentsn)
	}
	if c.credential != "" {
		req.Header.Set("Authorization", "Bearer "+c.credential)
	}
	c.mu.Unlock()
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s%s (timeout %s): %w", srv, path, c.timeout, err)
	}
	defer resp.Body.Close()
	// Read one byte more than allowed to tell "exactly 1 MiB" from "more".
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("POST %s%s: reading answer (timeout %s): %w", srv, path, c.timeout, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return nil, &RetryAfterError{Server: srv, Path: path, Code: resp.StatusCode, After: d}
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Server: srv, Path: path, Code: resp.StatusCode, Body: answerSnippet(answer)}
	}
	if len(answer) > MaxBody {
		return nil, fmt.Errorf("POST %s%s: answer over %d bytes", srv, path, MaxBody)
	}
	return answer, nil
}

// answerSnippet keeps error messages one short line whatever the server sent.
func answerSnippet(b []byte) string {
	const n = 200
	t := shownJSON(bytes.TrimSpace(b))
	s := []rune(t[:min(len(t), 4*n)])
	if len(s) > n {
		s = append(s[:n], '…')
	}
	for i, r := range s {
		if r < ' ' {
			s[i] = ' '
		}
	}
	return string(s)
}
